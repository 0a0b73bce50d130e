"""A small in-process TTL cache for page parts that are costly and change slowly: similar scenarios
(they need a query embedding) and the public aggregates of home and the reserve list (a dozen
queries, refreshed every few seconds). One per app, created in ``routes.setup``."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any


class Memo:
    def __init__(self, size: int = 512, ttl: float = 600.0) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()

    async def get(
        self,
        key: Any,
        compute: Callable[[], Awaitable[Any]],
        keep: Callable[[Any], bool] = lambda v: True,
        ttl: float | None = None,
    ) -> Any:
        """The cached value for ``key`` or ``compute()``'s, kept (for ``ttl`` seconds, default the
        memo's) only when ``keep(value)``."""
        found = self._items.get(key)
        if found is not None and found[0] > time.monotonic():
            self._items.move_to_end(key)
            return found[1]
        value = await compute()
        if keep(value):
            self._items[key] = (time.monotonic() + (self.ttl if ttl is None else ttl), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
