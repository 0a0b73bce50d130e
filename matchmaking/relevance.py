"""The relevance floor: one setting (``LAB_RELEVANCE_FLOOR``, a calibrated strength between 0 and 1)
below which search and matches do not list a document that shares no word with the query.

e5 cosines bunch (a nonsense query such as ``qwzx萌萌哒zzkk`` scores 0.87 against the best profile,
``内涝`` 0.89), so no fixed cosine separates them; what separates them is how far the best documents
stand out from the rest. Search therefore standardises each document's cosine over every document
passing the filters and keeps a semantic-only hit when that z-score reaches the score at which the
calibrated strength (``calibration.SHIPPED``) equals the floor; a lexical match is always kept, and
an exact code or title always comes first. Matches keep an item when its calibrated strength clears
the floor. Over fewer than ``MIN_POPULATION`` documents a mean and spread say nothing, so there is
no floor.
"""

from __future__ import annotations

import math

from matchmaking.calibration import SHIPPED, Calibration

DEFAULT_FLOOR = 0.15
MIN_POPULATION = 30


def floor_score(floor: float, calibration: Calibration = SHIPPED) -> float | None:
    """The ranker score at which the calibrated strength equals ``floor`` (None: no floor)."""
    if floor is None or floor <= 0.0:
        return None
    floor = min(floor, 0.999)
    curve = calibration.relevant
    if curve.slope <= 0:
        return None
    return (math.log(floor / (1.0 - floor)) - curve.intercept) / curve.slope


def clears(strength: float, floor: float, population: int) -> bool:
    """Whether a match of this calibrated strength is listed, among ``population`` candidates."""
    return population < MIN_POPULATION or floor is None or strength >= floor
