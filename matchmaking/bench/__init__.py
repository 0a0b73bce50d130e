"""Benchmarks of the matchmaking package (``scenario-lab bench search|matching``): commands that
print numbers, kept apart from the runtime modules."""
