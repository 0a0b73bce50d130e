"""Schemathesis over ``/openapi.json``: every operation, as a visitor, a supplier and an operator,
with valid and invalid examples; no answer may be a 5xx and every error uses the one error shape.

The number of examples per operation and generation mode is small inside the suite (so the whole
file stays well under two minutes per database); ``LAB_FUZZ_EXAMPLES=30`` (or more) runs the full
sweep by hand. Cases are generated with a fixed seed (``LAB_FUZZ_SEED`` changes it) and sent through
the app in the test's own event loop, against a real database holding a few records of every kind.
"""

from __future__ import annotations

import os
from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from lab.models import User
from tests import factories
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("LAB_FUZZ_EXAMPLES", "2"))
SEED = int(os.environ.get("LAB_FUZZ_SEED", "11"))
ROLES = ("visitor", "supplier_member", "operator")


@pytest.fixture
def settings(tmp_path):  # generous limits: the fuzzer is not the abuse these limits are for
    return make_settings(tmp_path, LAB_RATE_LIMIT="100000/60", LAB_SIGNIN_PER_ADDRESS="100000")


def _cases(operation, mode: GenerationMode) -> list:
    found: list = []

    @seed(SEED)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(operation.as_strategy(generation_mode=mode))
    def collect(case):
        found.append(case)

    try:
        collect()
    except Unsatisfiable:  # e.g. no way to make a parameterless GET invalid
        pass
    return found[:EXAMPLES]


async def _seed_records() -> dict[str, User]:
    from tests.pipeline import builders

    p = await builders.parties()
    ed = await builders.edition()
    await builders.scenario("listing", p, edition_obj=ed)
    await builders.scenario("design", p)
    await factories.profile(p.partner)
    await factories.demand(p.lead, status="draft")
    return {"supplier_member": p.partner_actor.user, "operator": (await factories.actor("operator")).user}


def _request(case, headers: dict[str, str], role: str) -> dict:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    sent = {k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() != "authorization"}
    if role != "visitor":
        sent.update(headers)
    request = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": sent,
        "params": kwargs.get("params") or None,
    }
    cookie = "; ".join(f"{k}={v}" for k, v in (kwargs.get("cookies") or {}).items())
    if role == "visitor" and cookie and cookie.isascii() and cookie.isprintable():
        sent["cookie"] = cookie  # junk session cookies must not break anything either
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        request["content"] = kwargs["data"] if isinstance(kwargs["data"], (bytes, str)) else str(kwargs["data"])
    return request


def _problem(response: httpx.Response) -> str | None:
    """What is wrong with an answer (a 5xx, or an error not in the one error shape); None when fine."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return f"{response.status_code} not in the error shape: {response.text[:300]}"
        if set(response.json()) != {"error"} or set(error) != {"code", "message", "fields"}:
            return f"{response.status_code} with other keys: {response.text[:300]}"
        if not (isinstance(error["message"], str) and error["message"] and isinstance(error["fields"], dict)):
            return f"{response.status_code} with an empty message or fields that are not an object"
    return None


async def test_fuzzing_every_operation_finds_no_server_error(app, client):
    users = await _seed_records()
    schema = schemathesis.openapi.from_dict(app.state.openapi)
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter = Counter()
    problems: list[str] = []
    sent = 0
    for operation in operations:
        cases = [*_cases(operation, GenerationMode.POSITIVE), *_cases(operation, GenerationMode.NEGATIVE)]
        for role in ROLES:
            headers = {}
            if role != "visitor":  # a fresh token each time: a fuzzed DELETE /tokens may revoke the last
                await User.filter(id=users[role].id).update(active=True, role=role)
                headers = factories.auth(await factories.token(users[role]))
            for case in cases:
                request = _request(case, headers, role)
                response = await client.request(**request)
                problem = _problem(response)
                if problem:
                    problems.append(f"{role} {request['method']} {request['url']} {request.get('json')!r} → {problem}")
                statuses[response.status_code] += 1
                sent += 1
    print(f"fuzz: {len(operations)} operations, {sent} requests, statuses {dict(sorted(statuses.items()))}")
    assert not problems, f"{len(problems)} of {sent} answers went wrong:\n" + "\n".join(problems[:25])
    assert sent >= len(operations) * len(ROLES) * EXAMPLES
