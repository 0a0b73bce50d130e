"""Attachments: checked by content, size-limited, stored by sha256, kind and verdict per stage."""

from __future__ import annotations

import hashlib
import io

from openpyxl import Workbook

from pipeline.attachments import stored_path
from pipeline.demo import _pdf
from pipeline.models import Attachment, Stage
from tests.pipeline import builders


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


async def _upload(client, headers, s, content: bytes, kind: str, verdict: str | None = None, name="plan.pdf"):
    data = {"kind": kind} | ({"verdict": verdict} if verdict else {})
    return await client.post(
        f"/api/scenarios/{s.id}/attachments",
        headers=headers,
        data=data,
        files={"file": (name, content, "application/octet-stream")},
    )


async def test_design_plan_is_checked_by_content_and_stored_by_sha256(client, settings):
    p = await builders.parties()
    s = await builders.scenario(Stage.DESIGN, p)
    pdf = _pdf("plan")
    response = await _upload(client, p.partner_actor.headers, s, pdf, "design_plan")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest() and body["media_type"] == "application/pdf"
    assert stored_path(settings, body["sha256"], "pdf").read_bytes() == pdf
    download = await client.get(body["download"], headers=p.lead_actor.headers)
    assert download.status_code == 200 and download.content == pdf
    xlsx = await _upload(client, p.lead_actor.headers, s, _xlsx(), "design_plan", name="预算.xlsx")
    assert xlsx.status_code == 201 and xlsx.json()["filename"] == "预算.xlsx"
    fake = await _upload(client, p.lead_actor.headers, s, b"MZ\x90\x00 not really a pdf", "design_plan")
    assert fake.status_code == 422 and "file" in fake.json()["error"]["fields"]
    script = await _upload(client, p.lead_actor.headers, s, b"<script>alert(1)</script>", "design_plan", name="x.pdf")
    assert script.status_code == 422
    assert await Attachment.filter(scenario_id=s.id).count() == 2


async def test_oversized_files_are_refused(client, settings):
    p = await builders.parties()
    s = await builders.scenario(Stage.DESIGN, p)
    big = _pdf("big") + b"0" * (settings.max_upload_bytes + 1)
    response = await _upload(client, p.lead_actor.headers, s, big, "design_plan")
    assert response.status_code == 413
    assert await Attachment.filter(scenario_id=s.id).count() == 0


async def test_test_reports_need_a_verdict_the_right_stage_and_the_right_people(client):
    p = await builders.parties()
    s = await builders.scenario(Stage.TESTING, p)
    pdf = _pdf("report")
    assert (await _upload(client, p.lead_actor.headers, s, pdf, "test_report")).status_code == 422
    assert (await _upload(client, p.lead_actor.headers, s, pdf, "test_report", "maybe")).status_code == 422
    assert (await _upload(client, p.partner_actor.headers, s, pdf, "test_report", "passed")).status_code == 403
    assert (await _upload(client, p.lead_actor.headers, s, pdf, "design_plan")).status_code == 409
    assert (await _upload(client, p.lead_actor.headers, s, pdf, "test_report", "passed")).status_code == 201
    assert (await _upload(client, {}, s, pdf, "test_report", "passed")).status_code == 401
    listed = await client.get(f"/api/scenarios/{s.id}/attachments", headers=p.partner_actor.headers)
    assert [a["verdict"] for a in listed.json()["items"]] == ["passed"]
    assert (
        await client.post(
            f"/api/scenarios/{s.id}/attachments", headers=p.lead_actor.headers, json={"kind": "test_report"}
        )
    ).status_code == 422
