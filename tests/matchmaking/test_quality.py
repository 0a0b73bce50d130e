"""Matching quality pieces that need no database: hub penalties, calibrated strength, needs and teams."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from matchmaking.calibration import LEVELS, SHIPPED, calibration_error, fit, strength_fields
from matchmaking.coverage import COVER_Z, need_scores, propose_teams, split_needs
from matchmaking.hubness import hub_penalties
from matchmaking.ranking import DEFAULT_PARAMS, Candidate, RankerParams, rerank


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_hub_profile_no_longer_wins_every_list():
    """A generic profile close to every demand tops each list on raw cosine and label bonus; with the
    hub penalty each demand's own specialist wins."""
    rng = np.random.default_rng(3)
    topics = [_unit(rng.normal(size=16)) for _ in range(4)]
    hub = _unit(np.sum(topics, axis=0))
    specialists = [_unit(t + 0.2 * hub) for t in topics]
    demands = [_unit(t + 2.0 * hub) for t in topics]
    docs = {"hub": hub, **{f"s{i}": v for i, v in enumerate(specialists)}}
    ids = list(docs)
    matrix = np.vstack([docs[i] for i in ids])
    domains = {
        "hub": ("水务与防汛", "城市管理", "智慧交通", "消防"),
        "s0": ("水务与防汛",),
        "s1": ("城市管理",),
        "s2": ("智慧交通",),
        "s3": ("消防",),
    }
    wanted = ["水务与防汛", "城市管理", "智慧交通", "消防"]
    without, with_hub = [], []
    for n, demand in enumerate(demands):
        penalties = dict(zip(ids, hub_penalties(matrix, np.delete(np.vstack(demands), n, axis=0), k=2)))
        candidates = [
            Candidate(id=i, semantic=float(docs[i] @ demand), domains=domains[i], hub=penalties[i]) for i in ids
        ]
        without.append(rerank(candidates, [wanted[n]], RankerParams(hub_weight=0.0, feedback_docs=0))[0].id)
        with_hub.append(rerank(candidates, [wanted[n]], replace(DEFAULT_PARAMS, feedback_docs=0))[0].id)
    assert without == ["hub"] * 4
    assert with_hub == ["s0", "s1", "s2", "s3"]


def test_hub_penalty_is_the_mean_of_the_nearest_and_safe_without_population():
    docs = np.eye(3, dtype=np.float32)
    population = np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1]], dtype=np.float32)
    assert hub_penalties(docs, population, k=2).tolist() == pytest.approx([0.9, 0.3, 0.5])
    assert hub_penalties(docs, np.zeros((0, 3))).tolist() == [0.0, 0.0, 0.0]


def test_strength_is_monotone_in_score_and_within_zero_and_one():
    scores = np.linspace(-50, 50, 2001)
    strengths = [SHIPPED.strength(s) for s in scores]
    assert all(0.0 <= s <= 1.0 for s in strengths)
    assert all(b >= a for a, b in itertools.pairwise(strengths))
    ranks = [LEVELS.index(SHIPPED.level(s)) for s in scores]
    assert all(b <= a for a, b in itertools.pairwise(ranks))  # levels only go up with the score
    assert SHIPPED.level(-50) == "部分相关" and SHIPPED.level(50) == "高度匹配"
    assert strength_fields(float("nan"))["strength"] == 0.0


def test_fitted_strength_is_calibrated_on_data_drawn_from_a_logistic():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=4000) * 2
    grades = np.where(rng.random(4000) < 1 / (1 + np.exp(-(1.5 * scores - 1))), 2, 0)
    fitted = fit(scores, grades)
    assert fitted.relevant.slope == pytest.approx(1.5, abs=0.2)
    probabilities = fitted.relevant.many(scores)
    assert calibration_error(probabilities, grades >= 1) < 0.03
    assert calibration_error(np.full(4000, 0.95), grades >= 1) > 0.3  # bunched cosines read as probabilities


def test_needs_are_the_asking_sentences_without_budget_lines():
    needs = split_needs(
        "片区防汛", "辖区低洼路段多。希望积水深度实时可见并自动预警。同时需要对泵站进行远程调度。预算200万元。"
    )
    assert needs == ["希望积水深度实时可见并自动预警。", "同时需要对泵站进行远程调度。"]
    assert split_needs("只有标题的需求", "") == ["只有标题的需求"]


def test_a_team_covers_a_two_part_demand_no_single_supplier_covers():
    flood, school = _unit([1, 0, 0, 0]), _unit([0, 1, 0, 0])
    suppliers = [
        _unit([1, 0, 0.2, 0]),
        _unit([0, 1, 0, 0.2]),
        _unit([0.2, 0, 1, 0]),
        _unit([0, 0.2, 0, 1]),
        _unit([0, 0, 1, 1]),
        _unit([0.1, 0.1, 1, 0.3]),
        _unit([0.3, 0, 0.2, 1]),
    ]
    organisations = ["防汛科技", "智慧教育", "A", "B", "C", "D", "防汛科技"]
    z = need_scores(np.vstack([flood, school]), np.vstack(suppliers))
    assert all((z[:, j] >= COVER_Z).sum() < 2 for j in range(z.shape[1]))  # no one covers both
    teams = propose_teams(z, organisations)
    assert teams and set(teams[0].members) == {0, 1} and teams[0].covered == (0, 1)
    assert teams[0].by_need == {0: 0, 1: 1}
    # the same organisation twice is no team
    assert not propose_teams(z[:, [0, 6]], ["防汛科技", "防汛科技"])
