"""When a draft demand reads like a published one: the rule of the duplicate check.

e5 cosines are compressed: unrelated demands of the demo score 0.87–0.90 against their nearest
published demand, a reworded demand 0.93–0.97 against its original. A fixed cosine (the old 0.93)
sits right at the edge and misses rewordings that a person sees at once. What a rewording has in
addition is that it *stands out*: its original is several standard deviations above every other
published demand, while an unrelated draft's nearest demands are bunched. So a published demand
is flagged when

- its cosine is at least ``STRONG`` (near-identical text), or
- its cosine is at least ``MIN_COSINE`` and its z-score over all published demands' cosines is at
  least ``MIN_Z`` (needs ``MIN_POPULATION`` demands; below that only the first rule applies, with
  the old fixed 0.93).

Measured on ``tests/matchmaking/fixtures/duplicate_pairs.jsonl`` (19 rewordings of demo demands
written by hand, 7 unrelated drafts) against the 66 demo demands by
``tests/matchmaking/test_duplicates.py``: originals score cosine 0.932–0.968 and z 3.85–6.09,
unrelated drafts at most cosine 0.902 and z 3.30.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

STRONG = 0.95
MIN_COSINE = 0.90
MIN_Z = 3.5
SMALL_POPULATION_COSINE = 0.93
MIN_POPULATION = 30


def duplicate_flags(population: Sequence[float], candidates: Sequence[float]) -> list[bool]:
    """For each candidate cosine, whether it marks a duplicate, given every published demand's cosine."""
    cosines = np.asarray(population, dtype=np.float64)
    if cosines.size < MIN_POPULATION or cosines.std() < 1e-9:
        return [c >= SMALL_POPULATION_COSINE for c in candidates]
    mean, std = float(cosines.mean()), float(cosines.std())
    return [c >= STRONG or (c >= MIN_COSINE and (c - mean) / std >= MIN_Z) for c in candidates]
