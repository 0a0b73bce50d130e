import json
import logging


async def test_one_structured_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="lab.request"):
        await client.get("/healthz")
        await client.get("/api/demands?status=bogus")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "lab.request"]
    assert [(l["method"], l["path"], l["status"]) for l in lines] == [
        ("GET", "/healthz", 200), ("GET", "/api/demands", 422)]
    assert all(isinstance(l["ms"], float) for l in lines)
