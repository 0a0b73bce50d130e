"""Bundled data of the pipeline package."""
