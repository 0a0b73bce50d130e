"""Hub penalties served from the per-generation memo equal the direct computation."""

from __future__ import annotations

import numpy as np

from matchmaking.hubness import K, PopulationMemo, hub_penalties, nearest_rows, penalties_without


def unit_rows(rng, n: int, d: int = 16) -> np.ndarray:
    rows = rng.normal(size=(n, d)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_penalties_without_the_asker_equal_the_direct_mean():
    rng = np.random.default_rng(1)
    candidates, population = unit_rows(rng, 40), unit_rows(rng, 25)
    rows, sims = nearest_rows(candidates, population)
    assert rows.shape == (40, K + 1)
    for own in (None, 0, 7, 24):
        others = population if own is None else np.delete(population, own, axis=0)
        np.testing.assert_allclose(penalties_without(rows, sims, own), hub_penalties(candidates, others), atol=1e-6)


def test_a_small_population_averages_all_of_it():
    rng = np.random.default_rng(2)
    candidates, population = unit_rows(rng, 5), unit_rows(rng, 4)  # fewer rows than K
    rows, sims = nearest_rows(candidates, population)
    np.testing.assert_allclose(
        penalties_without(rows, sims, 2), hub_penalties(candidates, np.delete(population, 2, axis=0)), atol=1e-6
    )


def test_the_memo_reuses_nearest_rows_within_a_generation_and_forgets_them_after():
    rng = np.random.default_rng(3)
    candidates, population = unit_rows(rng, 6), unit_rows(rng, 30)
    ids = [f"c{i}" for i in range(6)]
    memo = PopulationMemo()
    memo.put(5, "demand", [f"q{i}" for i in range(30)], population)
    assert memo.get(5, "demand")[1] is population and memo.get(6, "demand") is None
    first = memo.penalties(5, "demand", ids, candidates, population, own=3)
    np.testing.assert_allclose(first, hub_penalties(candidates, np.delete(population, 3, axis=0)), atol=1e-6)
    # same generation: the stored nearest rows answer, even for a population passed in changed
    again = memo.penalties(5, "demand", ids, candidates, np.zeros_like(population), own=3)
    np.testing.assert_allclose(again, first)
    # a new generation forgets the population and the rows
    moved = unit_rows(rng, 30)
    fresh = memo.penalties(6, "demand", ids, candidates, moved, own=None)
    np.testing.assert_allclose(fresh, hub_penalties(candidates, moved), atol=1e-6)
    assert memo.get(6, "demand") is None
    # no generation (an engine that cannot tell): computed every time, nothing kept
    np.testing.assert_allclose(memo.penalties(None, "demand", ids, candidates, moved, own=None), fresh, atol=1e-6)


def test_vector_memo_keeps_the_latest_keys():
    from matchmaking.vector_cache import VectorMemo

    memo = VectorMemo(size=2)
    memo.keep({"a": np.ones(2), "b": np.zeros(2)})
    found, missing = memo.take(["a", "c"])  # touching a makes b the oldest
    assert list(found) == ["a"] and missing == ["c"]
    memo.keep({"c": np.full(2, 2.0)})
    found, missing = memo.take(["a", "b", "c"])
    assert sorted(found) == ["a", "c"] and missing == ["b"]
