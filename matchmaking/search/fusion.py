"""Hybrid ranking: a convex mix of a normalised lexical score and a normalised semantic score.

``fused = (1 - r) * lexical + r * semantic`` where ``lexical`` is BM25 divided by the best BM25 among
the candidates and ``semantic`` is the cosine min-max-scaled between the best and the K-th best
cosine (cosines of e5-style models bunch in a narrow band, so raw values would drown the lexical
side). Ties are broken by insertion order so pages never overlap or skip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEMANTIC_FLOOR_RANK = 256


@dataclass
class Ranking:
    rowids: np.ndarray  # candidates, ascending
    order: np.ndarray  # indices into rowids, best first
    fused: np.ndarray
    lexical: np.ndarray | None  # normalised 0..1, or None when the query had no lexical side
    semantic: np.ndarray | None  # raw cosine (NaN where unknown), or None without a vector

    @property
    def total(self) -> int:
        return int(self.rowids.size)

    def page(self, offset: int, limit: int) -> list[tuple[int, float, float | None, float | None]]:
        out = []
        for i in self.order[offset : offset + limit]:
            lex = None if self.lexical is None else float(self.lexical[i])
            sem = None
            if self.semantic is not None and not np.isnan(self.semantic[i]):
                sem = float(self.semantic[i])
            out.append((int(self.rowids[i]), float(self.fused[i]), lex, sem))
        return out


def _aligned(rowids: np.ndarray, scores: dict[int, float], fill: float) -> np.ndarray:
    out = np.full(rowids.size, fill, dtype=np.float64)
    if scores and rowids.size:
        keys = np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))
        vals = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
        pos = np.searchsorted(rowids, keys)
        ok = (pos < rowids.size) & (rowids[np.minimum(pos, rowids.size - 1)] == keys)
        out[pos[ok]] = vals[ok]
    return out


def rank(
    rowids: np.ndarray,
    lexical: dict[int, float] | None,
    semantic: dict[int, float] | None,
    ratio: float,
    sort: list[str] | None = None,
    sort_keys: dict[int, tuple] | None = None,
    first: set[int] | frozenset[int] = frozenset(),
) -> Ranking:
    """Fused ranking; rowids in ``first`` (exact code or title matches) come before all others."""
    rowids = np.sort(np.asarray(rowids, dtype=np.int64))
    fused = np.zeros(rowids.size, dtype=np.float64)
    lex_n = sem_raw = None
    if lexical is not None:
        raw = _aligned(rowids, lexical, 0.0)
        best = raw.max() if raw.size else 0.0
        lex_n = raw / best if best > 0 else raw
        fused += (1.0 - ratio) * lex_n
    if semantic is not None:
        sem_raw = _aligned(rowids, semantic, np.nan)
        known = sem_raw[~np.isnan(sem_raw)]
        if known.size:
            top = known.max()
            floor = np.sort(known)[::-1][min(SEMANTIC_FLOOR_RANK, known.size) - 1]
            span = top - floor
            scaled = np.ones_like(sem_raw) if span <= 0 else (sem_raw - floor) / span
            fused += ratio * np.nan_to_num(np.clip(scaled, 0.0, 1.0), nan=0.0)
    if first:
        fused[np.isin(rowids, np.fromiter(first, dtype=np.int64, count=len(first)))] += 2.0  # fused is at most 1
    if sort:
        order = sorted(range(rowids.size), key=lambda i: (-fused[i], rowids[i]))
        for spec in reversed(sort):
            column = [s.split(":")[0] for s in sort].index(spec.split(":")[0])
            desc = spec.endswith(":desc")
            present = [i for i in order if sort_keys.get(int(rowids[i]), (None,) * len(sort))[column] is not None]
            missing = [i for i in order if sort_keys.get(int(rowids[i]), (None,) * len(sort))[column] is None]
            present.sort(key=lambda i: sort_keys[int(rowids[i])][column], reverse=desc)
            order = present + missing
        order = np.asarray(order, dtype=np.int64)
    else:
        order = np.lexsort((rowids, -fused))
    return Ranking(rowids, order, fused, lex_n, sem_raw)
