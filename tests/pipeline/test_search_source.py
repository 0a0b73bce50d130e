"""Scenarios reach the search index through the source the assembly joins in from the pipeline."""

from __future__ import annotations

from matchmaking import indexing
from matchmaking.indexing import BUILT_IN
from pipeline.models import Origin, Scenario, Stage
from tests.pipeline import builders


async def test_scenarios_are_supplied_as_search_documents(app):
    sources = app.state.runtime.sources
    assert sources.has("scenario") and not BUILT_IN.has("scenario")
    p = await builders.parties()
    ed = await builders.edition()
    listed = await builders.scenario(Stage.LISTING, p, edition_obj=ed, title="电梯阻车")
    external = await Scenario.create(
        title="无锡物联网",
        domain="城市管理",
        origin=Origin.EXTERNAL,
        city="无锡",
        stage=Stage.LISTING,
        partner_names=["某研究院"],
        year=2023,
    )
    docs = {d.id: d for d in await indexing.load_documents("scenario", [listed.id, external.id], sources)}
    assert docs[str(listed.id)].status == "listing" and docs[str(listed.id)].extra["partners"] == [p.partner.name]
    assert docs[str(external.id)].extra == {
        "code": None,
        "origin": "external",
        "city": "无锡",
        "lead_department": None,
        "partners": ["某研究院"],
    }
    assert len(await sources.load("scenario")) == 2
