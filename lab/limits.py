"""Bounds on expensive reads: a per-caller rate limit, a cap on how many run at once, and a deadline.

Routes that rank with the model or build big files (matches, similar scenarios, search, exports)
wrap their work in :func:`expensive`::

    async with expensive(request, "matches"):
        ...

- each signed-in user (or, for visitors, each client address) may start ``LAB_RATE_LIMIT`` such
  requests per bucket (default 30 per 60 s, a token bucket); more → 429 ``rate_limited`` with
  ``Retry-After``;
- at most ``LAB_EXPENSIVE_CONCURRENCY`` run at once in a process; the rest wait for a slot;
- neither the wait for a slot nor the work may take longer than ``LAB_MODEL_DEADLINE`` seconds →
  503 ``model_busy`` with a Chinese message and ``Retry-After`` (model calls are made in abandonable
  worker threads, so the request stops waiting at once).

The limiter lives in the process (``app.state.limits``): with several ``serve`` processes each
enforces its own budget, so a caller spread over N processes by the proxy gets up to N times the
rate (the concurrency cap is per process too). That bounds abuse without a shared store; a
deployment that needs an exact global rate puts it in the proxy.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from starlette.requests import Request

from lab.auth import client_address, current_user
from lab.errors import ServiceUnavailable, TooManyRequests
from lab.settings import Settings

MAX_CALLERS = 100_000  # remembered buckets; the least recently used are forgotten first


class RateLimiter:
    """Token buckets per (bucket, caller): ``count`` requests, refilled evenly over ``period`` s."""

    def __init__(self, count: int, period: int, clock=time.monotonic) -> None:
        self.count, self.period, self.clock = count, period, clock
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()

    def spend(self, bucket: str, caller: str) -> float:
        """Take one token; returns 0 when allowed, else the seconds until one is available."""
        now = self.clock()
        key = (bucket, caller)
        tokens, last = self._buckets.pop(key, (float(self.count), now))
        tokens = min(float(self.count), tokens + (now - last) * self.count / self.period)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1 - tokens) * self.period / self.count
        while len(self._buckets) > MAX_CALLERS:
            self._buckets.popitem(last=False)
        return wait


class Limits:
    """What one app holds: the rate limiter, the concurrency cap and the deadline."""

    def __init__(self, settings: Settings) -> None:
        count, period = settings.rate_limit
        self.rate = RateLimiter(count, period)
        self.slots = anyio.CapacityLimiter(settings.expensive_concurrency)
        self.deadline = settings.model_deadline


async def _caller(request: Request) -> str:
    user = await current_user(request)
    return f"user:{user.id}" if user is not None else f"addr:{client_address(request)}"


@asynccontextmanager
async def expensive(request: Request, bucket: str) -> AsyncIterator[None]:
    limits: Limits = request.app.state.limits
    wait = limits.rate.spend(bucket, await _caller(request))
    if wait:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(seconds, f"请求过于频繁，请 {seconds} 秒后再试", code="rate_limited")
    retry = max(1, math.ceil(limits.deadline))
    try:
        with anyio.fail_after(limits.deadline):
            async with limits.slots:
                yield
    except TimeoutError:
        raise ServiceUnavailable(
            "系统繁忙，匹配与检索暂时无法及时完成，请稍后重试", code="model_busy", retry_after=retry
        ) from None
