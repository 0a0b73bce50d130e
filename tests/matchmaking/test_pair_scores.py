"""Organisation-pair fit for event scheduling comes from the vectors the worker stored: no model call,
a clear reason, the better pair scores higher, and a pair without vectors falls back to domains."""

from __future__ import annotations

from matchmaking.indexing import attach_vectors, load_documents
from matchmaking.pair_scores import organisation_scores
from tests import factories


async def test_pairs_are_scored_from_stored_vectors_with_reasons(db, embedder):
    fire_dept = await factories.organisation("department")
    await factories.demand(fire_dept)  # 电动自行车充电安全 (消防)
    lift = await factories.organisation("enterprise")
    await factories.profile(lift)  # 电梯电动车识别阻车系统 (消防)
    farm = await factories.organisation("enterprise")
    await factories.profile(
        farm,
        title="智慧农业大棚环境监测",
        summary="温湿度与土壤墒情传感，自动灌溉。",
        domains=["农业农村"],
        keywords=["大棚"],
    )
    draft_only = await factories.organisation("enterprise")
    await factories.profile(draft_only, status="draft")

    before = await organisation_scores(embedder.model_id, [fire_dept.id], [lift.id])
    assert before[(fire_dept.id, lift.id)].reasons[0] == "向量尚未计算完成，暂按领域判断"
    assert before[(fire_dept.id, lift.id)].score == 0.3  # domains meet, nothing else known yet

    for kind in ("demand", "capability"):
        await attach_vectors(await load_documents(kind), embedder)  # what the worker does
    scores = await organisation_scores(embedder.model_id, [fire_dept.id], [lift.id, farm.id, draft_only.id])
    good, poor = scores[(fire_dept.id, lift.id)], scores[(fire_dept.id, farm.id)]
    assert good.score > poor.score
    assert good.reasons[0].startswith("需求「老旧小区电动自行车充电安全治理」与能力「电梯电动车识别阻车系统」语义相近")
    assert "领域相同：消防" in good.reasons
    assert not any(r.startswith("领域相同") for r in poor.reasons)
    assert scores[(fire_dept.id, draft_only.id)].reasons == ["供给方尚无已发布能力"]
    assert scores[(fire_dept.id, draft_only.id)].score == 0.0
    assert 0.0 <= poor.score <= good.score <= 1.0
