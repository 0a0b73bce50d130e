"""showcase package."""
