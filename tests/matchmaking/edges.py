"""Fakes at the third-party edge only: the real embedder behind a wrapper that can fail on its Nth
encode call (as a crashing model would) and records every text it embedded (passages and queries apart)."""

from __future__ import annotations


class FlakyEmbedder:
    def __init__(self, embedder, fail_on_call: int | None = None):
        self._embedder = embedder
        self.fail_on_call = fail_on_call
        self.calls = 0
        self.embedded: list[str] = []
        self.queried: list[str] = []

    def __getattr__(self, name):
        return getattr(self._embedder, name)

    async def aencode_passages(self, texts):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("model crashed (simulated)")
        vectors = await self._embedder.aencode_passages(texts)
        self.embedded.extend(texts)
        return vectors

    async def aencode_queries(self, texts):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("model crashed (simulated)")
        vectors = await self._embedder.aencode_queries(texts)
        self.queried.extend(texts)
        return vectors
