"""Sign-in throttling that cannot be raced and cannot be used to lock someone out.

Each attempt is *recorded and counted in one statement* — an upsert on a counter row that returns
the new count (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, atomic on SQLite and PostgreSQL, the
row lock serialising concurrent attempts) — and only then is the password checked. So 20 parallel
guesses get counts 1…20 and only the first :data:`PER_CLIENT` reach the password check.

Two counters, both in fixed windows of :data:`WINDOW` seconds:

- ``(email, client address)``: at most :data:`PER_CLIENT` attempts; cleared when that client signs
  in successfully. A client that is failing for an email does not block another address, so
  knowing someone's email is not enough to lock them out;
- ``client address`` across emails: at most :data:`PER_ADDRESS` attempts (password spraying); not
  cleared by a success, so one valid account cannot be used to reset it.

The address is the direct peer (``request.client.host``); behind a proxy the proxy must pass the
real address to the ASGI server (e.g. uvicorn's ``--proxy-headers`` with ``--forwarded-allow-ips``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tortoise import connections

from lab.errors import TooManyRequests

WINDOW = 15 * 60
PER_CLIENT = 5
PER_ADDRESS = 30

_UPSERT = (
    "INSERT INTO sign_in_throttle (bucket, window_start, attempts) VALUES ({p1}, {p2}, 1) "
    "ON CONFLICT (bucket) DO UPDATE SET "
    "attempts = CASE WHEN sign_in_throttle.window_start <= {p3} THEN 1 ELSE sign_in_throttle.attempts + 1 END, "
    "window_start = CASE WHEN sign_in_throttle.window_start <= {p3} THEN {p2} "
    "ELSE sign_in_throttle.window_start END "
    "RETURNING attempts, window_start"
)


@dataclass(frozen=True)
class Limits:
    window: int = WINDOW
    per_client: int = PER_CLIENT
    per_address: int = PER_ADDRESS


DEFAULT_LIMITS = Limits()


def limits_for(settings) -> Limits:
    return Limits(per_client=settings.signin_per_client, per_address=settings.signin_per_address)


def _sql(template: str) -> str:
    if connections.get("default").capabilities.dialect == "postgres":
        return template.format(p1="$1", p2="$2", p3="$3")
    return template.format(p1="?1", p2="?2", p3="?3")


async def _count(bucket: str, now: int, window: int) -> tuple[int, int]:
    """Record one attempt in ``bucket`` and return (attempts in the current window, window start)."""
    conn = connections.get("default")
    rows = await conn.execute_query_dict(_sql(_UPSERT), [bucket, now, now - window])
    row = rows[0]
    return int(row["attempts"]), int(row["window_start"])


def _client_bucket(email: str, address: str) -> str:
    return f"c:{address}|{email}"[:300]


async def record_attempt(email: str, address: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Count this attempt first; raise :class:`TooManyRequests` when it is over a limit."""
    now = int(time.time())
    waits = []
    for bucket, allowed in (
        (_client_bucket(email, address), limits.per_client),
        (f"a:{address}"[:300], limits.per_address),
    ):
        attempts, started = await _count(bucket, now, limits.window)
        if attempts > allowed:
            waits.append(started + limits.window - now)
    if waits:
        wait = max(1, max(waits))
        raise TooManyRequests(wait, f"登录尝试次数过多，请 {wait} 秒后再试", code="too_many_attempts")


async def clear_client(email: str, address: str) -> None:
    """A successful sign-in from this client clears its counter for this email."""
    conn = connections.get("default")
    placeholder = "$1" if conn.capabilities.dialect == "postgres" else "?"
    await conn.execute_query(
        f"DELETE FROM sign_in_throttle WHERE bucket = {placeholder}", [_client_bucket(email, address)]
    )
