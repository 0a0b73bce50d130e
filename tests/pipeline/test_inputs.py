"""Bad input to every pipeline endpoint gets a clear 4xx error and changes nothing; never a 500."""

from __future__ import annotations

import pytest

from lab.models import AuditRecord
from pipeline.models import Stage
from tests.pipeline import builders

BODIES = [
    b"",
    b"not json",
    b"[]",
    b"null",
    b'{"to": 5}',
    b'{"version": "x", "to": "design"}',
    b'{"reviewer_id": -1}',
    b'{"scores": [], "comment": 1}',
    b'{"name": "' + "长".encode() * 300 + b'"}',
    b'{"edition_id": 1, "scenario_ids": "1"}',
    b'{"unknown": true}',
    b'{"to": "design", "version": 0}',
]
POSTS = [
    "/api/scenarios",
    "/api/scenarios/{id}/transitions",
    "/api/scenarios/{id}/reviewers",
    "/api/scenarios/{id}/recusal",
    "/api/scenarios/{id}/reviews",
    "/api/reserve-lists",
    "/api/scenarios/{id}/attachments",
]
GETS = [
    "/api/scenarios?limit=0",
    "/api/scenarios?limit=abc",
    "/api/scenarios?edition=-1",
    "/api/scenarios?year=x",
    "/api/reserve-lists/1?district=火星",
    "/api/showcase/featured?edition=x",
    "/api/audit?object=scenario:abc",
    "/api/audit?object=" + "x" * 100,
    "/api/notifications?unread=maybe",
    "/api/scenarios/999999",
    "/api/scenarios/999999/history",
    "/api/reserve-lists/999999",
    "/api/attachments/999999/file",
]


@pytest.mark.parametrize("path", POSTS)
async def test_malformed_bodies_are_clear_errors(client, operator, path):
    p = await builders.parties()
    s = await builders.scenario(Stage.EVALUATION, p)
    await builders.edition(name="批次", year=2030)
    audits = await AuditRecord.all().count()
    for body in BODIES:
        response = await client.post(path.format(id=s.id), headers=operator.headers, content=body, data=None)
        assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    for method in ("PATCH", "PUT"):
        for target in ("/api/reserve-lists/1", "/api/showcase/featured"):
            response = await client.request(method, target, headers=operator.headers, content=b"{bad")
            assert 400 <= response.status_code < 500
    assert await AuditRecord.all().count() == audits


async def test_malformed_queries_are_clear_errors(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.EVALUATION, p)
    for path in GETS:
        response = await client.get(path.format(id=s.id), headers=operator.headers)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
