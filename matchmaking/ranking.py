"""Hybrid ranking of candidates: fusion of lexical and dense scores, plus domain agreement.

Pure functions over candidate lists, no I/O: the search backend supplies the candidates (a hit's
``lexical_score`` and ``semantic_score``), this module decides their order; ``matches.py`` runs
the searches and the feedback round around it.

The shipped ranker (measured on ``../shared/matchbench`` by ``scenario-lab bench matching``)::

    score = z(semantic - hub_weight * hub) + lexical_weight * z(lexical) + domain_weight * [domains agree]

run twice: after the first pass the query vector is moved towards the mean vector of the
``feedback_docs`` best candidates (Rocchio pseudo-relevance feedback, ``feedback_weight``), the
semantic scores are recomputed with it (a second, semantic-only search) and the candidates are
ranked again. Demands are written in the department's problem language; the best profiles found
in the first pass carry the supplier's vocabulary, which pulls in the profiles that share it.

``z`` standardises a component over the candidate list (mean 0, standard deviation 1), because e5
cosines bunch in a narrow band whose position and width change from query to query, while BM25
scales with query length; standardising puts both on one scale before they are mixed. The domain
term is 1 when the query's domain is among the candidate's domains. Fitted globally (never per
query) by 5-fold cross-validation over demands: ``lexical_weight``, ``domain_weight`` and the
feedback depth (0, 3 or 5); ``feedback_weight`` stays at 1 (the plain Rocchio mix; every depth and
weight tried beat no feedback). The shipped values are what that same fit picks over all the
benchmark's demands (``bench/matching.py`` prints it with the folds), refitted when the default
encoder became the ONNX int8 one (fused BERT operators): lexical 0.0, domain 1.5, feedback 5, hub
0.5 (every fold picks lexical 0, feedback 5 and hub 0.5; three of five pick domain 1.5, the others
0.6 and 0.8, and over all demands 0.8 and 1.5 score within 0.001 of each other). With these e5
vectors BM25 adds nothing to the order of profiles on this benchmark; it still brings lexical
matches into the candidates. BM25 also supplies candidates (lexical matches join the semantic top-k), the shared terms of
explanations, and the lexical half of ``/api/search``. Sentence-level max similarity was tried as a
further term and did not help under cross-validation, so it only explains a match (``explain.py``).

``hub`` is the candidate's hub penalty (``hubness.py``: its mean cosine to the ten nearest queries
of the other side). Without it the label bonus and the dense score both favour generic profiles
that list many domains: on matchbench the most frequent profile sat in 27 % of the top-10s (12 %
with the correction). The correction is fitted with the other weights (``hub_weight`` in the cross-validation grid).
Specificity-weighted agreement (the bonus divided by a power of the number of listed domains) and
soft text-to-domain similarities were tried as replacements for the label bonus and scored below
it at every weight tried on matchbench, so the bonus stays binary and the breadth is corrected on the dense side.

Candidate lists should hold every document that passes the filters, or at least a few hundred of
the best (``CANDIDATES``): the standardisation is over the list, so a very short list changes the
scale of the components.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

CANDIDATES = 1000  # how many hits to ask the search backend for before reranking (its maximum)


@dataclass(frozen=True)
class RankerParams:
    """Weights of the components (semantic always counts 1 unless turned off for an ablation)."""

    lexical_weight: float = 0.0
    domain_weight: float = 1.5
    semantic_weight: float = 1.0
    feedback_docs: int = 5  # 0 turns pseudo-relevance feedback off
    feedback_weight: float = 1.0
    hub_weight: float = 0.5  # how much of a candidate's hub penalty (hubness.py) comes off its cosine

    def as_dict(self) -> dict[str, float]:
        return {
            "lexical_weight": self.lexical_weight,
            "domain_weight": self.domain_weight,
            "semantic_weight": self.semantic_weight,
            "feedback_docs": self.feedback_docs,
            "feedback_weight": self.feedback_weight,
            "hub_weight": self.hub_weight,
        }


DEFAULT_PARAMS = RankerParams()
LEXICAL_ONLY = RankerParams(lexical_weight=1.0, domain_weight=0.0, semantic_weight=0.0, feedback_docs=0, hub_weight=0.0)
DENSE_ONLY = RankerParams(lexical_weight=0.0, domain_weight=0.0, semantic_weight=1.0, feedback_docs=0, hub_weight=0.0)


@dataclass(frozen=True)
class Candidate:
    """One document to rank, with the component scores the search backend gave it."""

    id: str
    lexical: float | None = None  # BM25-like, higher is better; None = no lexical match
    semantic: float | None = None  # cosine of normalised vectors; None = unknown
    domains: tuple[str, ...] = ()
    payload: Any = None  # the hit or document, handed back untouched
    hub: float | None = None  # hub penalty (``hubness.hub_penalties``); None = not known, no correction


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    lexical_z: float
    semantic_z: float
    domain_match: bool
    components: Mapping[str, float] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.candidate.id


def standardise(values: Sequence[float | None], missing: float | None = None) -> np.ndarray:
    """Z-scores of ``values`` over the list; ``None`` becomes ``missing`` (default: the smallest value).

    A constant list (or a single value) gives zeros rather than dividing by zero.
    """
    array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    known = np.isfinite(array)
    if not known.any():
        return np.zeros(len(values), dtype=np.float64)
    fill = array[known].min() if missing is None else missing
    array = np.where(known, array, fill)
    std = array.std()
    if std < 1e-12:
        return np.zeros_like(array)
    return (array - array.mean()) / std


def domain_agreement(query_domains: Iterable[str], candidate_domains: Iterable[str]) -> bool:
    """True when the demand's domain (or any of a profile's domains) is among the candidate's."""
    wanted = {d.strip() for d in query_domains if d and d.strip()}
    return bool(wanted & {d.strip() for d in candidate_domains if d})


class RankedList(Sequence):
    """What ``rerank`` returns: the candidates best first, each ``Ranked`` made when it is first read.

    A matches answer ranks a thousand candidates twice and reads about a dozen of the second order;
    making every ``Ranked`` (a frozen dataclass and its components) cost more than the ranking itself.
    Reading all of it gives exactly the list that was built eagerly before."""

    __slots__ = ("_candidates", "_order", "_score", "_lexical", "_semantic", "_agree", "_cosines", "_made")

    def __init__(self, candidates, order, score, lexical, semantic, agree, cosines=None):
        self._candidates = candidates
        self._order = order
        self._score, self._lexical, self._semantic, self._agree = score, lexical, semantic, agree
        self._cosines = cosines  # the cosines that replace the candidates' own (``rerank(semantic=...)``)
        self._made: list[Ranked | None] = [None] * len(order)

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        made = self._made[position]
        if made is None:
            made = self._made[position] = self._ranked(self._order[position])
        return made

    def __iter__(self):
        return (self[position] for position in range(len(self)))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def candidate(self, i: int) -> Candidate:
        """Input candidate ``i`` (with its replacement cosine, when there is one)."""
        c = self._candidates[i]
        if self._cosines is None:
            return c
        return Candidate(
            id=c.id, lexical=c.lexical, semantic=self._cosines[i], domains=c.domains, payload=c.payload, hub=c.hub
        )

    def inputs(self) -> list[Candidate]:
        """The candidates as they were given (without replacement cosines), best first, without making
        a ``Ranked`` or a ``Candidate``: for callers that need their ids and payloads only."""
        return [self._candidates[i] for i in self._order]

    def scores(self) -> list[float]:
        """Every candidate's score, best first (the ``score`` of each entry, without making it)."""
        return [float(self._score[i]) for i in self._order]

    def _ranked(self, i: int) -> Ranked:
        c = self.candidate(i)
        return Ranked(
            candidate=c,
            score=float(self._score[i]),
            lexical_z=float(self._lexical[i]),
            semantic_z=float(self._semantic[i]),
            domain_match=bool(self._agree[i]),
            components={
                "lexical": float(c.lexical or 0.0),
                "semantic": float("nan") if c.semantic is None else float(c.semantic),
                "domain": float(self._agree[i]),
            },
        )


def rerank(
    candidates: Sequence[Candidate],
    query_domains: Iterable[str] = (),
    params: RankerParams = DEFAULT_PARAMS,
    semantic: Sequence[float | None] | None = None,
) -> RankedList:
    """Order candidates best first. Ties keep the input order (the backend's), so pages are stable.

    ``semantic``: cosines to use instead of the candidates' own (one per candidate, ``None`` unknown),
    as after pseudo-relevance feedback; the ranked candidates then carry them."""
    candidates = list(candidates)
    if not candidates:
        return RankedList([], [], (), (), (), ())
    if semantic is not None and len(semantic) != len(candidates):
        raise ValueError("one cosine per candidate")
    wanted = {d.strip() for d in query_domains if d and d.strip()}  # as ``domain_agreement`` reads them
    lexical = standardise([c.lexical for c in candidates], missing=0.0)
    cosines = [c.semantic for c in candidates] if semantic is None else list(semantic)
    corrected = [
        cos - params.hub_weight * c.hub if cos is not None and c.hub is not None and params.hub_weight else cos
        for c, cos in zip(candidates, cosines)
    ]
    z_semantic = standardise(corrected)
    agree = np.array(
        [bool(wanted) and any(d and d.strip() in wanted for d in c.domains) for c in candidates], dtype=np.float64
    )
    score = params.semantic_weight * z_semantic + params.lexical_weight * lexical + params.domain_weight * agree
    order = np.lexsort((np.arange(len(candidates)), -score)).tolist()  # best first; ties keep the input order
    return RankedList(candidates, order, score, lexical, z_semantic, agree, None if semantic is None else cosines)


def candidates_from_hits(hits: Iterable[Any]) -> list[Candidate]:
    """Candidates from search ``Hit`` objects (``lexical_score``, ``semantic_score``, document ``domains``)."""
    out = []
    for hit in hits:
        document = getattr(hit, "document", None) or {}
        out.append(
            Candidate(
                id=str(hit.id),
                lexical=hit.lexical_score,
                semantic=hit.semantic_score,
                domains=tuple(document.get("domains") or ()),
                payload=hit,
            )
        )
    return out


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Classic RRF: sum of 1 / (k + rank) over the rankings an id appears in, best first."""
    scores: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            first_seen.setdefault(item, len(first_seen))
    return sorted(scores.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))


def convex_mix(lexical: Sequence[float | None], semantic: Sequence[float | None], ratio: float) -> np.ndarray:
    """``(1 - ratio) * lexical + ratio * semantic``, each min-max scaled to 0..1 over the list."""
    if not 0.0 <= ratio <= 1.0:
        raise ValueError("ratio must be between 0 and 1")

    def scaled(values, missing):
        z = standardise(values, missing=missing)
        span = z.max() - z.min() if z.size else 0.0
        return np.zeros_like(z) if span < 1e-12 else (z - z.min()) / span

    return (1.0 - ratio) * scaled(lexical, 0.0) + ratio * scaled(semantic, None)


def feedback_query(query_vector: np.ndarray, top_vectors: np.ndarray, weight: float) -> np.ndarray:
    """Rocchio: the query vector plus ``weight`` times the mean of the top documents' vectors, renormalised."""
    query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    top = np.asarray(top_vectors, dtype=np.float32).reshape(-1, query.size)
    if top.shape[0] == 0 or weight == 0:
        return query
    moved = query + weight * top.mean(axis=0)
    norm = float(np.linalg.norm(moved))
    return query if norm < 1e-12 else (moved / norm).astype(np.float32)


def with_semantic(candidates: Sequence[Candidate], scores: Mapping[str, float]) -> list[Candidate]:
    """The same candidates with their semantic score replaced where ``scores`` has one."""
    return [replace(c, semantic=scores[c.id]) if c.id in scores else c for c in candidates]
