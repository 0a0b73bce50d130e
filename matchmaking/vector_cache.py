"""Every vector a read needs, computed when the data is written and kept in ``EmbeddingCache``.

For each indexed document the worker stores (``embed_for_reads``):

- its passage vector (the text that is searched; also what pseudo-relevance feedback moves towards),
- its query vector (e5 ``query:`` prompt over ``composer.query_text``: what the document searches
  with — a demand looking for profiles, a profile for demands, a scenario for similar ones),
- for a demand or a profile, the passage vectors of the sentences of its body (the explanations of
  matches pick the best one by meaning; ``SENTENCE_KINDS``),
- for a demand, the passage vectors of its needs (``coverage.split_needs``: per-need coverage).

Rows are keyed by ``content_hash`` over the model id (which names the backend), the role
(passages keep the plain key, queries add ``QUERY_ROLE``) and the exact text, so a changed text or
model simply misses. Reads (``stored``/``StoredVectors``) never call the model: a missing vector
means the item is not embedded yet, and the caller answers ``pending``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np

from matchmaking.composer import document_text, query_text
from matchmaking.coverage import split_needs
from matchmaking.embedder import content_hash
from matchmaking.explain import split_sentences
from matchmaking.models import EmbeddingCache

QUERY_ROLE = "\0query"
# the kinds whose body sentences explanations read: the candidates of matches (demands for a profile,
# profiles for a demand). Similar scenarios are explained without sentence vectors (``matches._rank``
# with ``deep=False``), so a scenario's sentences are not embedded: at the demo's 297 scenarios that
# was 916 texts, an eighth of the first index build's model time.
SENTENCE_KINDS = frozenset({"demand", "capability"})
EMBED_BATCH = 32
LOOKUP_CHUNK = 500  # hashes per IN (...) lookup
MEMO_VECTORS = 20_000  # stored vectors a process keeps in memory (384-d float32: about 31 MB)


def passage_key(embedder, text: str) -> str:
    return content_hash(embedder.model_id, text)


def query_key(embedder, text: str) -> str:
    return content_hash(embedder.model_id + QUERY_ROLE, text)


def body_sentences(body: str) -> list[str]:
    """The sentences of a document's own body that explanations choose from."""
    return list(split_sentences(body or ""))


class VectorMemo:
    """The stored vectors a process has read lately, by key (LRU, at most ``size``). A key names the
    model and the exact text, so its row never changes: a remembered vector can never be stale."""

    def __init__(self, size: int = MEMO_VECTORS):
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def take(self, keys: Iterable[str]) -> tuple[dict[str, np.ndarray], list[str]]:
        """(the remembered vectors of ``keys``, the keys still to read)."""
        found, missing = {}, []
        for key in keys:
            vector = self._vectors.get(key)
            if vector is None:
                missing.append(key)
            else:
                self._vectors.move_to_end(key)
                found[key] = vector
        return found, missing

    def keep(self, vectors: dict[str, np.ndarray]) -> None:
        self._vectors.update(vectors)
        while len(self._vectors) > self.size:
            self._vectors.popitem(last=False)


async def stored(hashes: Iterable[str], memo: VectorMemo | None = None) -> dict[str, np.ndarray]:
    """Vectors in the cache for these keys (absent keys are simply missing); ``memo`` answers the
    keys it remembers and learns the rest."""
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, np.ndarray] = {}
    if memo is not None:
        found, wanted = memo.take(wanted)
    read: dict[str, np.ndarray] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        rows = await EmbeddingCache.filter(content_hash__in=chunk).values_list("content_hash", "vector")
        read.update((h, np.frombuffer(v, dtype="<f4")) for h, v in rows)
    if memo is not None and read:
        memo.keep(read)
    return {**found, **read}


async def save(embedder, pairs: Iterable[tuple[str, np.ndarray]]) -> None:
    """Write ``(key, vector)`` pairs to the cache (a key already there is left as it is)."""
    rows = [
        EmbeddingCache(
            content_hash=key,
            model_id=embedder.model_id,
            dimension=int(vector.shape[0]),
            vector=np.asarray(vector, dtype="<f4").tobytes(),
        )
        for key, vector in pairs
    ]
    if rows:
        await EmbeddingCache.bulk_create(rows, ignore_conflicts=True)


async def _fill(embedder, todo: dict[str, tuple[str, str]], batch: int) -> dict[str, np.ndarray]:
    """Embed ``{key: (role, text)}`` in batches per role and cache each batch as soon as it is done."""
    out: dict[str, np.ndarray] = {}
    for role in ("passage", "query"):
        items = [(h, text) for h, (r, text) in todo.items() if r == role]
        encode = embedder.aencode_passages if role == "passage" else embedder.aencode_queries
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            vectors = await encode([text for _, text in chunk])
            await save(embedder, ((h, vec) for (h, _), vec in zip(chunk, vectors)))
            out.update((h, np.asarray(vec, dtype=np.float32)) for (h, _), vec in zip(chunk, vectors))
    return out


async def embed_for_reads(docs: Sequence, embedder, batch: int = EMBED_BATCH) -> int:
    """Store every vector reads of these documents need and set ``doc.vector`` (the passage vector).
    Only texts not cached with this model are embedded; returns how many texts were."""
    docs = list(docs)
    if not docs:
        return 0
    wanted: dict[str, tuple[str, str]] = {}
    passage_keys = []
    for doc in docs:
        text = document_text(doc)
        key = passage_key(embedder, text)
        passage_keys.append(key)
        wanted.setdefault(key, ("passage", text))
        question = query_text(doc)
        wanted.setdefault(query_key(embedder, question), ("query", question))
        for sentence in body_sentences(doc.body) if doc.kind in SENTENCE_KINDS else ():
            wanted.setdefault(passage_key(embedder, sentence), ("passage", sentence))
        if doc.kind == "demand":  # the needs coverage is measured for (coverage.split_needs)
            for need in split_needs(doc.title, doc.body):
                wanted.setdefault(passage_key(embedder, need), ("passage", need))
    have = {
        h for h in await EmbeddingCache.filter(content_hash__in=list(wanted)).values_list("content_hash", flat=True)
    }
    todo = {h: v for h, v in wanted.items() if h not in have}
    made = await _fill(embedder, todo, batch)
    missing_passages = [k for k in passage_keys if k not in made]
    vectors = {**(await stored(missing_passages) if missing_passages else {}), **made}
    for doc, key in zip(docs, passage_keys):
        doc.vector = vectors[key]
    return len(todo)


class StoredVectors:
    """Read-side lookups: stored vectors only, never the model (``memo``: the process's ``VectorMemo``)."""

    def __init__(self, embedder, memo: VectorMemo | None = None):
        self.embedder = embedder
        self.memo = memo

    async def query(self, text: str) -> np.ndarray | None:
        key = query_key(self.embedder, text)
        return (await stored([key], self.memo)).get(key)

    async def queries(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        keys = [query_key(self.embedder, t) for t in texts]
        found = await stored(keys, self.memo)
        return [found.get(k) for k in keys]

    async def passages(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        keys = [passage_key(self.embedder, t) for t in texts]
        found = await stored(keys, self.memo)
        return [found.get(k) for k in keys]
