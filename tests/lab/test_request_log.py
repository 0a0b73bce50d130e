import json
import logging


async def test_one_structured_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="lab.request"):
        await client.get("/healthz")
        await client.get("/api/demands?status=bogus")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "lab.request"]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/healthz", 200),
        ("GET", "/api/demands", 422),
    ]
    assert all(isinstance(line["ms"], float) for line in lines)
