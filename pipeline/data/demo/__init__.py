"""Demo data: the 2023 reserve-list edition, its featured showcase and national cases (see README.md)."""
