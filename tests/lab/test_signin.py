"""Sign-in throttling: counted before the password is checked (so parallel guesses cannot race past
the limit), per (email, address) so nobody can lock the owner out, per address across emails, and
argon2 off the event loop."""

import asyncio
import time

import httpx

from lab.models import SignInThrottle
from lab.passwords import hash_password
from lab.signin import PER_ADDRESS, PER_CLIENT
from tests import factories


def _client(app, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://testserver"
    )


async def test_twenty_parallel_wrong_passwords_get_at_most_five_tries(app):
    u = await factories.user()
    async with _client(app, "203.0.113.7") as attacker:
        responses = await asyncio.gather(
            *[attacker.post("/api/tokens", json={"email": u.email, "password": f"guess-{i}"}) for i in range(20)]
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(401) <= PER_CLIENT, statuses
    assert statuses.count(401) + statuses.count(429) == 20, statuses
    assert all(int(r.headers["retry-after"]) > 0 for r in responses if r.status_code == 429)
    assert all(r.json()["error"]["code"] == "too_many_attempts" for r in responses if r.status_code == 429)
    assert (await SignInThrottle.get(bucket=f"c:203.0.113.7|{u.email}")).attempts == 20


async def test_owner_signs_in_from_another_address_while_an_attacker_is_throttled(app):
    u = await factories.user()
    async with _client(app, "203.0.113.8") as attacker, _client(app, "198.51.100.9") as owner:
        for i in range(PER_CLIENT + 2):
            await attacker.post("/api/tokens", json={"email": u.email, "password": f"guess-{i}"})
        blocked = await attacker.post("/api/tokens", json={"email": u.email, "password": factories.PASSWORD})
        assert blocked.status_code == 429
        mine = await owner.post("/api/tokens", json={"email": u.email, "password": factories.PASSWORD})
        assert mine.status_code == 201, mine.text


async def test_success_clears_the_clients_counter(app):
    u = await factories.user()
    async with _client(app, "198.51.100.10") as owner:
        for i in range(PER_CLIENT - 1):
            assert (
                await owner.post("/api/tokens", json={"email": u.email, "password": f"typo-{i}"})
            ).status_code == 401
        assert (
            await owner.post("/api/tokens", json={"email": u.email, "password": factories.PASSWORD})
        ).status_code == 201
        for i in range(PER_CLIENT):
            assert (
                await owner.post("/api/tokens", json={"email": u.email, "password": f"typo-{i}"})
            ).status_code == 401


async def test_one_address_spraying_many_emails_is_throttled(app):
    async with _client(app, "203.0.113.9") as sprayer:
        statuses = [
            (await sprayer.post("/api/tokens", json={"email": f"person{i}@example.cn", "password": "x"})).status_code
            for i in range(PER_ADDRESS + 2)
        ]
    assert statuses[:PER_ADDRESS] == [401] * PER_ADDRESS
    assert statuses[PER_ADDRESS:] == [429, 429]


async def test_password_checks_do_not_block_the_event_loop(app):
    u = await factories.user()
    started = time.perf_counter()
    hash_password("measure-one-hash")
    one_hash = time.perf_counter() - started
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker():
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async with _client(app, "198.51.100.11") as c:
        tick = asyncio.create_task(ticker())
        await asyncio.gather(
            *[c.post("/api/tokens", json={"email": u.email, "password": factories.PASSWORD}) for _ in range(4)]
        )
        done.set()
        await tick
    # on the loop, each argon2 check would stall the ticker for a whole hash; off it, barely at all
    assert max(gaps) < max(one_hash * 0.8, 0.02), (max(gaps), one_hash)
