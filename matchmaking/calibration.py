"""Calibrated match strength (匹配度): the ranker's score mapped to the probability that a person
would grade the pair relevant, with a Chinese level.

Two logistic curves on the one score, each two numbers, so a few points cannot bend them:
``p_relevant`` = P(grade ≥ 1) and ``p_direct`` = P(grade = 2). The strength shown as 匹配度 is
``p_relevant``; the level is 高度匹配 when ``p_direct`` ≥ 0.5, 较为匹配 when ``p_relevant`` ≥ 0.5,
部分相关 otherwise. Both curves rise with the score, so strength and level are monotone in it and
stay in [0, 1].

The shipped constants (``SHIPPED``) are fitted on every ranked pair of ``../shared/matchbench``
(unjudged pairs count as grade 0, as the benchmark says) by
``scenario-lab bench matching --data ../shared/matchbench``, which prints them together with the
cross-validated calibration error (curves fitted on four folds of demands, error measured on the
fifth).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LEVELS = ("高度匹配", "较为匹配", "部分相关")
LEVEL_KEYS = {"高度匹配": "high", "较为匹配": "medium", "部分相关": "low"}
CALIBRATION_BINS = 10
RIDGE = 1e-3  # a touch of L2 on the slope keeps a separable fold finite


@dataclass(frozen=True)
class Curve:
    """``p = 1 / (1 + exp(-(slope * score + intercept)))``."""

    slope: float
    intercept: float

    def __call__(self, score: float) -> float:
        x = self.slope * float(score) + self.intercept
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    def many(self, scores: Sequence[float]) -> np.ndarray:
        x = self.slope * np.asarray(scores, dtype=np.float64) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


@dataclass(frozen=True)
class Calibration:
    relevant: Curve  # P(grade >= 1)
    direct: Curve  # P(grade = 2)

    def strength(self, score: float) -> float:
        """匹配度 in [0, 1]: the probability that a person grades the pair at least partly relevant."""
        if score is None or not math.isfinite(score):
            return 0.0
        return self.relevant(score)

    def level(self, score: float) -> str:
        if score is not None and math.isfinite(score) and self.direct(score) >= 0.5:
            return LEVELS[0]
        if self.strength(score) >= 0.5:
            return LEVELS[1]
        return LEVELS[2]

    def as_dict(self) -> dict[str, float]:
        return {
            "relevant_slope": self.relevant.slope,
            "relevant_intercept": self.relevant.intercept,
            "direct_slope": self.direct.slope,
            "direct_intercept": self.direct.intercept,
        }


def fit_curve(scores: Sequence[float], labels: Sequence[int], iterations: int = 50) -> Curve:
    """Logistic regression of 0/1 ``labels`` on ``scores`` (Newton's method, slope kept ≥ 0)."""
    x = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if x.size == 0 or y.min() == y.max():
        rate = float(y.mean()) if y.size else 0.5
        rate = min(max(rate, 1e-6), 1 - 1e-6)
        return Curve(0.0, math.log(rate / (1 - rate)))
    design = np.column_stack([x, np.ones_like(x)])
    w = np.zeros(2)
    penalty = np.diag([RIDGE * x.size, 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -50, 50)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return Curve(max(float(w[0]), 0.0), float(w[1]))


def fit(scores: Sequence[float], grades: Sequence[int]) -> Calibration:
    grades = np.asarray(grades)
    return Calibration(fit_curve(scores, grades >= 1), fit_curve(scores, grades >= 2))


def calibration_error(probabilities: Sequence[float], labels: Sequence[int], bins: int = CALIBRATION_BINS) -> float:
    """Expected calibration error: over equal-width probability bins, the share of pairs in the bin
    times |mean predicted − observed rate|."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if p.size == 0:
        return 0.0
    index = np.minimum((p * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            error += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return float(error)


# fitted by ``scenario-lab bench matching --data ../shared/matchbench`` (line "calibration fitted on all
# demands"); refit when the ranker or its parameters change
SHIPPED = Calibration(relevant=Curve(1.0897, -5.723), direct=Curve(1.575, -9.1069))


def strength_fields(score: float, calibration: Calibration = SHIPPED) -> dict[str, object]:
    """The JSON fields a match carries: ``strength`` (0..1, 2 decimals), ``strength_level`` (Chinese)
    and ``strength_key`` (high/medium/low)."""
    level = calibration.level(score)
    return {
        "strength": round(calibration.strength(score), 2),
        "strength_level": level,
        "strength_key": LEVEL_KEYS[level],
    }
