"""Hub penalties: a correction for profiles (or demands) that sit close to everything.

A generic profile (one "一张图" platform, one AI video hub listing six domains) has a vector near
the middle of the field, so its cosine to almost any demand is high and it lands in most lists,
and the old domain bonus paid it again because it lists nearly every domain. Following the
cross-domain similarity local scaling of Conneau et al. (2018), each candidate's penalty is its
mean cosine to its ``K`` nearest *queries of the other side* — for a profile, the query vectors of
the published demands; for a demand, those of the published profiles — and the ranker takes
``hub_weight`` times that penalty off the candidate's cosine before standardising
(``ranking.rerank``). A profile that is close to every demand loses what it gains from being
central; a specific one keeps its score. The penalty needs no labels: it is a statistic of the
stored vectors, computed from them (never from the model) when a ranking is asked for.
"""

from __future__ import annotations

import numpy as np

K = 10  # nearest queries averaged per candidate


def hub_penalties(candidate_vectors: np.ndarray, population_vectors: np.ndarray, k: int = K) -> np.ndarray:
    """For each candidate row, the mean cosine to its ``k`` nearest population rows (all normalised).

    Fewer than ``k`` population rows: the mean over all of them; none: zeros (no correction).
    """
    candidates = np.asarray(candidate_vectors, dtype=np.float32)
    if candidates.ndim != 2 or candidates.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    population = np.asarray(population_vectors, dtype=np.float32).reshape(-1, candidates.shape[1])
    if population.shape[0] == 0:
        return np.zeros(candidates.shape[0], dtype=np.float64)
    sims = candidates @ population.T
    k = min(k, population.shape[0])
    nearest = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return nearest.mean(axis=1).astype(np.float64)
