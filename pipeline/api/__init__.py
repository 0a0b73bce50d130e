"""The pipeline's JSON API (mounted under /api)."""
