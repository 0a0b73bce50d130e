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


def nearest_rows(candidate_vectors: np.ndarray, population_vectors: np.ndarray, k: int = K):
    """Each candidate's ``k + 1`` nearest population rows, best first: (row indices, cosines)."""
    sims = np.asarray(candidate_vectors, dtype=np.float32) @ np.asarray(population_vectors, dtype=np.float32).T
    m = min(k + 1, sims.shape[1])
    top = np.argpartition(-sims, m - 1, axis=1)[:, :m] if m < sims.shape[1] else np.argsort(-sims, axis=1)
    top_sims = np.take_along_axis(sims, top, axis=1)
    order = np.argsort(-top_sims, axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1), np.take_along_axis(top_sims, order, axis=1)


def penalties_without(rows: np.ndarray, sims: np.ndarray, own: int | None, k: int = K) -> np.ndarray:
    """``hub_penalties`` from ``nearest_rows``, the population row ``own`` (the asker) left out: the
    mean of the first ``k`` nearest rows that are not ``own``."""
    keep = rows != own if own is not None else np.ones(rows.shape, dtype=bool)
    chosen = keep & (np.cumsum(keep, axis=1) <= k)
    counts = chosen.sum(axis=1)
    return np.where(counts > 0, (sims * chosen).sum(axis=1) / np.maximum(counts, 1), 0.0).astype(np.float64)


class PopulationMemo:
    """For one index generation at a time: the population of each kind (its query keys and vectors)
    and each candidate's nearest population rows. Reading a population costs a search and a cache
    lookup, a candidate's nearest rows a product with it; both only change when the index does."""

    def __init__(self) -> None:
        self._generation: int | None = None
        self._held: dict[str, tuple[list[str], np.ndarray]] = {}
        self._near: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}

    def _at(self, generation: int | None) -> bool:
        if generation is None:
            return False
        if generation != self._generation:
            self._generation, self._held, self._near = generation, {}, {}
        return True

    def get(self, generation: int | None, kind: str) -> tuple[list[str], np.ndarray] | None:
        if generation is None or generation != self._generation:
            return None
        return self._held.get(kind)

    def put(self, generation: int | None, kind: str, keys: list[str], vectors: np.ndarray) -> None:
        if self._at(generation):
            self._held[kind] = (keys, vectors)

    def penalties(
        self,
        generation: int | None,
        kind: str,
        ids: list[str],
        candidate_vectors: np.ndarray,
        population_vectors: np.ndarray,
        own: int | None,
    ) -> np.ndarray:
        """``hub_penalties`` of the candidates against the population of ``kind`` without row ``own``;
        each candidate's nearest rows are computed once per generation."""
        if not self._at(generation):
            rows, sims = nearest_rows(candidate_vectors, population_vectors)
            return penalties_without(rows, sims, own)
        todo = [i for i, doc_id in enumerate(ids) if (kind, doc_id) not in self._near]
        if todo:
            rows, sims = nearest_rows(candidate_vectors[todo], population_vectors)
            for j, i in enumerate(todo):
                self._near[(kind, ids[i])] = (rows[j], sims[j])
        rows = np.array([self._near[(kind, doc_id)][0] for doc_id in ids])
        sims = np.array([self._near[(kind, doc_id)][1] for doc_id in ids])
        return penalties_without(rows, sims, own)
