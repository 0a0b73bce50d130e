"""matchmaking package."""
