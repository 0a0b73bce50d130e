from __future__ import annotations

import numpy as np
import pytest

from matchmaking.matches import rank_with_feedback
from matchmaking.ranking import (
    DEFAULT_PARAMS,
    DENSE_ONLY,
    LEXICAL_ONLY,
    Candidate,
    RankerParams,
    convex_mix,
    domain_agreement,
    feedback_query,
    reciprocal_rank_fusion,
    rerank,
    standardise,
    with_semantic,
)


def ids(ranked):
    return [r.id for r in ranked]


def test_standardise_gives_zero_mean_unit_spread_and_fills_missing():
    z = standardise([1.0, 2.0, 3.0])
    assert np.allclose(z.mean(), 0) and np.allclose(z.std(), 1)
    assert standardise([None, 2.0, 4.0])[0] == standardise([2.0, 2.0, 4.0])[0]
    assert standardise([None, 2.0], missing=0.0)[0] < 0
    assert np.array_equal(standardise([5.0, 5.0]), [0.0, 0.0])
    assert np.array_equal(standardise([None, None]), [0.0, 0.0])
    assert standardise([]).size == 0


def test_domain_agreement_needs_a_shared_domain():
    assert domain_agreement(["消防"], ["城市管理", "消防"])
    assert not domain_agreement(["消防"], ["教育"])
    assert not domain_agreement([], ["教育"])
    assert not domain_agreement([""], [""])


def test_domain_agreement_lifts_a_close_second():
    candidates = [
        Candidate("other-domain", lexical=0.5, semantic=0.86, domains=("教育",)),
        Candidate("same-domain", lexical=0.5, semantic=0.85, domains=("消防",)),
        Candidate("far", lexical=0.1, semantic=0.70, domains=("消防",)),
    ]
    assert ids(rerank(candidates, ["消防"], DENSE_ONLY))[0] == "other-domain"
    assert ids(rerank(candidates, ["消防"]))[0] == "same-domain"


def test_ablations_rank_by_one_component():
    candidates = [
        Candidate("lexical-best", lexical=9.0, semantic=0.80),
        Candidate("semantic-best", lexical=1.0, semantic=0.90),
        Candidate("neither", lexical=None, semantic=0.70),
    ]
    assert ids(rerank(candidates, (), LEXICAL_ONLY)) == ["lexical-best", "semantic-best", "neither"]
    assert ids(rerank(candidates, (), DENSE_ONLY)) == ["semantic-best", "lexical-best", "neither"]


def test_ties_keep_the_input_order_and_components_are_reported():
    candidates = [Candidate("b", 1.0, 0.5), Candidate("a", 1.0, 0.5)]
    ranked = rerank(candidates, ())
    assert ids(ranked) == ["b", "a"]
    assert ranked[0].components == {"lexical": 1.0, "semantic": 0.5, "domain": 0.0}
    assert rerank([], ["消防"]) == []


def test_a_single_candidate_is_returned_with_score_from_domain_only():
    (only,) = rerank([Candidate("x", 2.0, 0.9, ("消防",))], ["消防"])
    assert only.score == pytest.approx(DEFAULT_PARAMS.domain_weight)


def test_reciprocal_rank_fusion_sums_reciprocal_ranks():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a"]], k=60)
    assert [i for i, _ in fused] == ["a", "b", "c"]  # a and b tie; a was seen first
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2][1] == pytest.approx(1 / 63)


def test_convex_mix_is_bounded_and_follows_the_ratio():
    lexical, semantic = [3.0, 0.0, None], [0.1, 0.9, 0.5]
    assert np.argmax(convex_mix(lexical, semantic, 0.0)) == 0
    assert np.argmax(convex_mix(lexical, semantic, 1.0)) == 1
    mixed = convex_mix(lexical, semantic, 0.5)
    assert mixed.min() >= 0 and mixed.max() <= 1
    with pytest.raises(ValueError):
        convex_mix(lexical, semantic, 1.5)


def test_feedback_query_moves_towards_the_top_documents_and_stays_normalised():
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    top = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    moved = feedback_query(query, top, 1.0)
    assert np.linalg.norm(moved) == pytest.approx(1.0, abs=1e-6)
    assert moved @ top[0] > query @ top[0]
    assert np.array_equal(feedback_query(query, top, 0.0), query)
    assert np.array_equal(feedback_query(query, np.zeros((0, 3)), 1.0), query)


def test_with_semantic_replaces_only_given_scores():
    candidates = [Candidate("a", 1.0, 0.5), Candidate("b", 1.0, 0.6)]
    assert [c.semantic for c in with_semantic(candidates, {"b": 0.9})] == [0.5, 0.9]


async def test_feedback_reranks_with_the_second_semantic_pass():
    vectors = {"a": np.array([1.0, 0.0]), "b": np.array([0.6, 0.8]), "c": np.array([0.0, 1.0])}
    query = np.array([1.0, 0.0], dtype=np.float32)
    candidates = [Candidate(k, lexical=None, semantic=float(v @ query)) for k, v in vectors.items()]
    searched = []

    def search(vector):
        searched.append(vector)
        return {k: float(v @ vector) for k, v in vectors.items()}

    async def top_vectors(best):
        return np.vstack([vectors[c.id] for c in best])

    params = RankerParams(lexical_weight=0.0, domain_weight=0.0, feedback_docs=2, feedback_weight=1.0)
    ranked = await rank_with_feedback(search, top_vectors, query, candidates, (), params)
    assert len(searched) == 1 and ids(ranked)[0] in {"a", "b"}
    none = await rank_with_feedback(search, top_vectors, query, candidates, (), RankerParams(feedback_docs=0))
    assert len(searched) == 1 and ids(none) == ["a", "b", "c"]


async def test_candidates_missing_from_the_feedback_search_count_as_the_lowest_cosine():
    query = np.array([1.0, 0.0], dtype=np.float32)
    candidates = [
        Candidate("lexical-only", lexical=5.0, semantic=0.95),
        Candidate("a", 1.0, 0.9),
        Candidate("b", 1.0, 0.8),
    ]

    def search(vector):
        return {"a": 0.9, "b": 0.8}

    params = RankerParams(lexical_weight=0.0, domain_weight=0.0, feedback_docs=1)
    ranked = await rank_with_feedback(search, lambda best: np.array([[1.0, 0.0]]), query, candidates, (), params)
    scores = {r.id: r.score for r in ranked}
    assert ids(ranked)[0] == "a" and scores["lexical-only"] == scores["b"]


def test_replacement_cosines_rank_as_candidates_carrying_them_and_entries_are_made_when_read():
    rng = np.random.default_rng(4)
    candidates = [
        Candidate(
            f"c{i}",
            lexical=float(rng.random()) if i % 3 else None,
            semantic=float(rng.random()),
            domains=("消防",) if i % 2 else ("教育",),
            hub=float(rng.random()) if i % 4 else None,
        )
        for i in range(40)
    ]
    moved = [None if i % 7 == 0 else float(rng.random()) for i in range(40)]
    carrying = [
        Candidate(c.id, lexical=c.lexical, semantic=s, domains=c.domains, hub=c.hub) for c, s in zip(candidates, moved)
    ]
    lazy = rerank(candidates, ["消防"], DEFAULT_PARAMS, semantic=moved)
    assert lazy._made.count(None) == len(candidates)  # nothing is made until it is read
    assert lazy[0] == rerank(carrying, ["消防"])[0] and lazy._made.count(None) == len(candidates) - 1
    assert [repr(r) for r in lazy] == [repr(r) for r in rerank(carrying, ["消防"])]  # (an unknown cosine is NaN)
    known = [0.5 if s is None else s for s in moved]
    assert rerank(candidates, (), DEFAULT_PARAMS, semantic=known) == rerank(
        [Candidate(c.id, c.lexical, s, c.domains, hub=c.hub) for c, s in zip(candidates, known)]
    )
    assert lazy[-1] == lazy[len(lazy) - 1] and lazy[1:3] == list(lazy)[1:3]
    assert [c.id for c in lazy.inputs()] == ids(lazy) and lazy.scores() == [r.score for r in lazy]
    assert all(a is b for a, b in zip(lazy.inputs(), (candidates[int(i[1:])] for i in ids(lazy))))
    with pytest.raises(IndexError):
        lazy[len(candidates)]
    with pytest.raises(ValueError):
        rerank(candidates, (), DEFAULT_PARAMS, semantic=moved[:-1])
