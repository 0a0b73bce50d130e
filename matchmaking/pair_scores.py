"""How well a department and a supplier fit, organisation by organisation, from STORED vectors.

A department's published demands are set against a supplier's published capability profiles: the
best pair of them by cosine of their stored passage vectors (the embedding cache the worker fills;
no model call here), rescaled from e5's compressed range to 0–1, and whether their domains meet.
Texts not embedded yet simply have no vector: the pair is then judged by domains alone and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lab.models import CapabilityProfile, Demand, DemandStatus, ProfileStatus
from matchmaking.embedder import content_hash
from matchmaking.indexing import capability_document, demand_document, document_text
from matchmaking.models import EmbeddingCache

# e5 cosines between unrelated passages sit near 0.78, close paraphrases above 0.93
COSINE_FLOOR = 0.78
COSINE_CEIL = 0.95
SEMANTIC_WEIGHT = 0.7
DOMAIN_WEIGHT = 0.3


@dataclass
class PairScore:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Side:
    titles: list[str]
    domains: list[set[str]]
    vectors: np.ndarray  # rows: documents with a vector; may be empty
    with_vector: list[int]  # index into titles of each vector row


def rescale(cosine: float) -> float:
    return float(min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEIL - COSINE_FLOOR))))


async def _vectors(model_id: str | None, texts: list[str]) -> dict[int, np.ndarray]:
    if not model_id or not texts:
        return {}
    hashes = [content_hash(model_id, t) for t in texts]
    rows = {r.content_hash: r for r in await EmbeddingCache.filter(content_hash__in=list(set(hashes)))}
    return {n: np.frombuffer(rows[h].vector, dtype="<f4").astype(np.float32) for n, h in enumerate(hashes) if h in rows}


async def _sides(model_id: str | None, org_ids: list[int], kind: str) -> dict[int, _Side]:
    if kind == "demand":
        records = (
            await Demand.filter(organisation_id__in=org_ids, status=DemandStatus.PUBLISHED)
            .select_related("organisation")
            .order_by("id")
        )
        docs = [demand_document(d) for d in records]
    else:
        records = (
            await CapabilityProfile.filter(organisation_id__in=org_ids, status=ProfileStatus.PUBLISHED)
            .select_related("organisation")
            .order_by("id")
        )
        docs = [capability_document(p) for p in records]
    vectors = await _vectors(model_id, [document_text(d) for d in docs])
    grouped: dict[int, list[int]] = {}
    for n, r in enumerate(records):
        grouped.setdefault(r.organisation_id, []).append(n)
    out = {}
    for org, members in grouped.items():
        kept = [k for k, n in enumerate(members) if n in vectors]
        matrix = np.stack([vectors[members[k]] for k in kept]) if kept else np.zeros((0, 0), dtype=np.float32)
        out[org] = _Side(
            titles=[docs[n].title for n in members],
            domains=[set(docs[n].domains) for n in members],
            vectors=matrix,
            with_vector=kept,
        )
    return out


def _pair(dept: _Side | None, supp: _Side | None) -> PairScore:
    if dept is None or supp is None:
        missing = "需求方尚无已发布需求" if dept is None else "供给方尚无已发布能力"
        return PairScore(0.0, [missing])
    reasons: list[str] = []
    semantic = 0.0
    if dept.vectors.size and supp.vectors.size and dept.vectors.shape[1] == supp.vectors.shape[1]:
        cosines = dept.vectors @ supp.vectors.T
        a, b = np.unravel_index(int(np.argmax(cosines)), cosines.shape)
        cosine = float(cosines[a, b])
        semantic = rescale(cosine)
        reasons.append(
            f"需求「{dept.titles[dept.with_vector[a]]}」与能力「{supp.titles[supp.with_vector[b]]}」"
            f"语义相近（相似度 {cosine:.3f}）"
        )
    else:
        reasons.append("向量尚未计算完成，暂按领域判断")
    shared = sorted(set().union(*dept.domains) & set().union(*supp.domains))
    if shared:
        reasons.append("领域相同：" + "、".join(shared))
    score = SEMANTIC_WEIGHT * semantic + (DOMAIN_WEIGHT if shared else 0.0)
    return PairScore(round(score, 4), reasons)


async def organisation_scores(
    model_id: str | None, department_ids: list[int], supplier_ids: list[int]
) -> dict[tuple[int, int], PairScore]:
    """Every (department, supplier) pair's fit in 0–1, with reasons in Chinese."""
    if not department_ids or not supplier_ids:
        return {}
    demands = await _sides(model_id, department_ids, "demand")
    profiles = await _sides(model_id, supplier_ids, "capability")
    return {(d, s): _pair(demands.get(d), profiles.get(s)) for d in department_ids for s in supplier_ids}
