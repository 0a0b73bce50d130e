"""The embedded backend's in-memory vectors: exact cosines for a filter's rowids, whatever the store
has been through (grown by doubling, rows dropped and reused, the same filter asked again)."""

from __future__ import annotations

import numpy as np

from matchmaking.search.vectors import VectorStore


def _unit(rng, n: int, dim: int = 16) -> np.ndarray:
    m = rng.normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _expected(vectors: dict[int, np.ndarray], rowids, query) -> dict[int, float]:
    return {r: float(vectors[r] @ query) for r in rowids if r in vectors}


def _as_dict(found) -> dict[int, float]:
    keys, sims = found
    return dict(zip(keys.tolist(), sims.tolist()))


def test_a_filter_asked_again_sees_every_write_made_in_between():
    rng = np.random.default_rng(8)
    store = VectorStore(16, ann_threshold=10**9)
    vectors = dict(zip(range(1, 301), _unit(rng, 300)))
    store.put(list(vectors), np.vstack(list(vectors.values())))  # grown by doubling: rows above 300 are empty
    query = _unit(rng, 1)[0]
    selected = np.arange(1, 301, dtype=np.int64)[np.arange(300) % 5 != 0]  # most of them: the vectorised path
    for _ in range(2):  # the second time from the remembered rows
        found = _as_dict(store.similarities(selected, query))
        assert found.keys() == _expected(vectors, selected, query).keys()
        assert np.allclose(list(found.values()), list(_expected(vectors, selected, query).values()), atol=1e-6)
    store.drop([2, 3])  # rows freed ...
    del vectors[2], vectors[3]
    fresh = dict(zip([301, 302], _unit(rng, 2)))  # ... and reused by new rowids
    store.put(list(fresh), np.vstack(list(fresh.values())))
    vectors.update(fresh)
    changed = _unit(rng, 1)[0]
    store.put([4], changed[None, :])  # a vector replaced in place
    vectors[4] = changed
    again = np.concatenate([selected, np.asarray([301], dtype=np.int64)])
    for rowids in (selected, again, None):
        found = _as_dict(store.similarities(rowids, query))
        wanted = _expected(vectors, vectors.keys() if rowids is None else rowids.tolist(), query)
        assert found.keys() == wanted.keys()
        assert all(abs(found[r] - wanted[r]) < 1e-6 for r in wanted)
