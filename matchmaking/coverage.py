"""Coverage for broad demands: which needs of a demand each supplier covers, and small teams
(联合体, 2–3 suppliers from different organisations) that together cover what no single one does.

A demand's needs are the sentences or clauses of its description that ask for something (they
hold a cue such as 希望, 需要, 实现, 建设; budget and scope lines are left out). A supplier covers
a need when the need's vector is close to the supplier's vector *compared with the other
candidates*: e5 cosines bunch in a narrow band whose position moves from need to need, so each
need's cosines are standardised over the candidate list and a need counts as covered at
``COVER_Z`` standard deviations above the mean (and as partly covered at ``PARTIAL_Z``).

Pure functions over vectors and lists; the caller supplies the vectors (stored ones, never the
model on a request path) and the ranked suppliers.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MAX_NEEDS = 6
MIN_NEED_CHARS = 6
COVER_Z = 1.5  # covered: well above the other candidates for this need (about the top 7 %)
PARTIAL_Z = 0.8  # partly covered
TEAM_POOL = 12  # teams are formed from the best-ranked suppliers only
MAX_TEAM = 3
MAX_TEAMS = 3

_SENTENCE = re.compile(r"(?<=[。！？；!?;])|\n+")
_CLAUSE = re.compile(r"(?<=[，,：:])")
_CUE = re.compile(
    r"希望|需要|需求|要求|能够|能否|实现|建设|建立|搭建|打造|提供|支持|解决|帮助|做到|及时|自动|"
    r"监测|预警|识别|发现|统计|分析|管理|调度|上报|推送|整合|共享|打通|对接|覆盖|提升|降低|减少"
)
_SCOPE_ONLY = re.compile(r"^(项目)?(总)?预算[^，。；]*|^[^，。；]*万元[。；]?$")
_HAS_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")


@dataclass(frozen=True)
class Team:
    """Two or three suppliers that together cover more needs than any one of them."""

    members: tuple[int, ...]  # indices into the supplier list
    covered: tuple[int, ...]  # indices of the needs the team covers
    by_need: dict[int, int] = field(default_factory=dict)  # need index -> member index that covers it best


def split_needs(title: str, description: str, limit: int = MAX_NEEDS) -> list[str]:
    """The needs of a demand, in its own order: sentences asking for something; a long sentence
    listing several asks is split at its commas when two or more of its clauses hold a cue.

    Falls back to every sentence, then to the title, so a demand always has at least one need.
    """
    sentences = [s.strip() for s in _SENTENCE.split(description or "") if s and s.strip() and _HAS_WORD.search(s)]
    needs: list[str] = []
    for sentence in sentences:
        if _SCOPE_ONLY.search(sentence) and not _CUE.search(sentence):
            continue
        clauses = [c.strip() for c in _CLAUSE.split(sentence) if c.strip()]
        asking = [c for c in clauses if _CUE.search(c) and len(c) >= MIN_NEED_CHARS]
        if len(sentence) > 60 and len(asking) >= 2:
            needs.extend(asking)
        elif _CUE.search(sentence):
            needs.append(sentence)
    if not needs:
        needs = [s for s in sentences if len(s) >= MIN_NEED_CHARS]
    if not needs and title:
        needs = [title.strip()]
    return list(dict.fromkeys(needs))[:limit]


def need_scores(need_vectors: np.ndarray, supplier_vectors: np.ndarray) -> np.ndarray:
    """Needs × suppliers: each need's cosines standardised over the suppliers (rows of z-scores).

    Give every candidate the ranker saw as ``supplier_vectors`` (not only the listed ones), so the
    scale is the same as the ranking's.
    """
    needs = np.asarray(need_vectors, dtype=np.float64).reshape(-1, np.asarray(supplier_vectors).shape[-1])
    sims = needs @ np.asarray(supplier_vectors, dtype=np.float64).T
    mean = sims.mean(axis=1, keepdims=True)
    std = sims.std(axis=1, keepdims=True)
    std[std < 1e-12] = 1.0
    return (sims - mean) / std


def coverage_level(z: float) -> str:
    """``covered`` / ``partial`` / ``none`` for one need and one supplier."""
    if z >= COVER_Z:
        return "covered"
    if z >= PARTIAL_Z:
        return "partial"
    return "none"


def covered_needs(z_column: Sequence[float]) -> tuple[int, ...]:
    return tuple(i for i, z in enumerate(z_column) if z >= COVER_Z)


def propose_teams(
    z: np.ndarray,
    organisations: Sequence[str | int | None],
    *,
    pool: int = TEAM_POOL,
    max_size: int = MAX_TEAM,
    limit: int = MAX_TEAMS,
) -> list[Team]:
    """Teams of 2..``max_size`` suppliers from different organisations, among the first ``pool``
    columns of ``z`` (needs × suppliers, suppliers best-ranked first), that cover more needs than
    the best single supplier. Best first: most needs covered, then fewest members, then the sum of
    each covered need's best z, then the better-ranked members. A demand with one need, or one that
    a single supplier already covers entirely, gets no teams.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.shape[0] < 2 or z.shape[1] < 2:
        return []
    n_needs = z.shape[0]
    pool = min(pool, z.shape[1])
    sets = [set(covered_needs(z[:, j])) for j in range(pool)]
    best_single = max((len(s) for s in sets), default=0)
    if best_single >= n_needs:
        return []
    found: list[tuple[tuple, Team]] = []
    for size in range(2, max_size + 1):
        for members in itertools.combinations(range(pool), size):
            orgs = [organisations[m] for m in members]
            if any(o is None for o in orgs) or len(set(orgs)) < size:
                continue
            union = set().union(*(sets[m] for m in members))
            if len(union) <= best_single:
                continue
            if any(not (sets[m] - set().union(*(sets[o] for o in members if o != m))) for m in members):
                continue  # every member must bring a need the others do not cover
            by_need = {n: max(members, key=lambda m: z[n, m]) for n in sorted(union)}
            strength = sum(z[n, by_need[n]] for n in union)
            key = (-len(union), size, -strength, members)
            found.append((key, Team(tuple(members), tuple(sorted(union)), by_need)))
    found.sort(key=lambda kv: kv[0])
    teams: list[Team] = []
    for _, team in found:
        if any(set(team.covered) <= set(t.covered) and set(t.members) <= set(team.members) for t in teams):
            continue  # a bigger team covering nothing more than a listed one
        teams.append(team)
        if len(teams) == limit:
            break
    return teams
