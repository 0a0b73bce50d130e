"""The embedded engine's lexical side: a tantivy index of pre-segmented text, keyed by SQLite rowid.

The folder (``<search_path>/lexical/``) holds postings only; the SQLite file stays the truth and keeps
the segmented text, so the folder can always be rebuilt from it without running jieba again.
``stamp.json`` is written after every commit: the SQLite file's ``instance``, the ``generation``
the commit brought the index to, the layout and the tantivy version. A stamp that differs from the SQLite file's means the lexical side
lags (a crash between the two commits, a deleted folder, an older layout): the writing process
rebuilds it, and readers re-check its candidates against SQLite meanwhile.

One ranked field, ``text``, gets the tokens of ``segment.py`` (jieba words, CJK characters and
bigrams) of the title four times, the keywords twice and the body once, through tantivy's ``simple``
tokenizer with lower-casing and ASCII folding (which splits them the way FTS5's ``unicode61`` did).
Repeating a field weights its term frequencies before BM25 saturates them, as FTS5's ``bm25()``
column weights did; three fields with query-time boosts instead saturate each field on its own and
ranked worse on the matching benchmark (lexical only nDCG@10 0.399 against FTS5's 0.454; this
layout 0.469). One field also makes ``doc_freq`` a document count for the rarest-terms cut. The
filter fields are raw terms (``year`` an integer), so filters are ``Must`` clauses inside the one
query (scored 0); top-k by a ``TopDocs`` collector.

Only the process that writes the index (``writer_lock.py``) calls ``write`` or ``rebuild``; each opens
an ``IndexWriter`` for one batch, commits once and lets merges finish before the stamp is written.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

from matchmaking.search.backend import SearchUnavailable

log = logging.getLogger("matchmaking.search")

LAYOUT = 2  # bump when the schema below changes: older folders are rebuilt
TOKENIZER = "lab_tokens"
WEIGHTS = (("title", 4), ("body", 1), ("keywords", 2))  # repeats of each field in the one ranked field
RAW_FIELDS = ("kind", "status", "district", "org_kind", "organisation_id", "domains")
STAMP = "stamp.json"
WRITER_HEAP = 32_000_000  # bytes; one indexing thread
DELETE_CHUNK = 1000

Stamp = tuple[str, int]  # (instance of the SQLite file, generation)


@dataclass(frozen=True)
class LexicalRow:
    """One document as the lexical side holds it: segmented text plus the filter fields."""

    rowid: int
    kind: str
    title: str  # segmented (space-joined tokens)
    body: str
    keywords: str
    domains: Sequence[str] = ()
    district: str | None = None
    org_kind: str | None = None
    status: str | None = None
    year: int | None = None
    organisation_id: str | None = None


@dataclass
class LexicalHits:
    scores: dict[int, float]  # rowid -> BM25, the best k
    total: int  # every match (counted only when asked and the best k did not hold them all)
    stamp: Stamp | None = None  # the commit these came from


class LexicalIndex:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._schema = None
        self._analyzer = None
        self._index = None
        self._loaded: dict | None = None  # the stamp the open index was last reloaded at

    # -- the folder ------------------------------------------------------------------------------
    @staticmethod
    def _version() -> str:
        return tantivy.__version__  # "tantivy v0.27.0, index_format v7"

    @property
    def schema(self):
        if self._schema is None:
            builder = tantivy.SchemaBuilder()
            builder.add_text_field("text", tokenizer_name=TOKENIZER, index_option="freq")
            builder.add_unsigned_field("rowid", indexed=True, fast=True)
            for name in RAW_FIELDS:
                builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
            builder.add_integer_field("year", indexed=True)
            self._schema = builder.build()
        return self._schema

    @property
    def analyzer(self):
        if self._analyzer is None:
            self._analyzer = (
                tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                .filter(tantivy.Filter.lowercase())
                .filter(tantivy.Filter.ascii_fold())
                .build()
            )
        return self._analyzer

    def _read_stamp(self) -> dict | None:
        try:
            data = json.loads((self.path / STAMP).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("layout") != LAYOUT or data.get("tantivy") != self._version():
            return None  # another layout, or written by another tantivy (its file format may differ)
        return data

    def stamp(self) -> Stamp | None:
        """(instance, generation) of the last commit; None when the folder is missing, unfinished or
        of another layout."""
        data = self._read_stamp()
        return None if data is None else (str(data["instance"]), int(data["generation"]))

    def _open(self):
        if self._index is None:
            self.path.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(self.schema, str(self.path), reuse=True)
            index.register_tokenizer(TOKENIZER, self.analyzer)
            index.config_reader("manual")  # reloaded when the stamp moves, never by a background thread
            self._index = index
        return self._index

    def close(self) -> None:
        self._index = None
        self._loaded = None

    # -- reads -------------------------------------------------------------------------------------
    def _searcher(self):
        """A searcher over the last stamped commit (None when there is none), reloading when another
        process (or a rebuild) committed since."""
        data = self._read_stamp()
        if data is None:
            self.close()
            return None, None
        if self._loaded is not None and data.get("build") != self._loaded.get("build"):
            self.close()  # the folder was rebuilt: open its new files
        try:
            index = self._open()
            if data != self._loaded:
                index.reload()
                self._loaded = data
            return index.searcher(), (str(data["instance"]), int(data["generation"]))
        except (ValueError, OSError) as exc:  # half-written or removed under us: no lexical side now
            log.warning("lexical index at %s cannot be read: %s", self.path, exc)
            self.close()
            return None, None

    def tokens(self, term: str) -> list[str]:
        return self.analyzer.analyze(term)

    def search(
        self,
        terms: Sequence[str],
        filters: Sequence[tuple[str, list]],
        k: int,
        *,
        count_all: bool = False,
        keep: int | None = None,
    ) -> LexicalHits:
        """The best ``k`` documents by BM25 (title and keywords weighted) holding any of ``terms``
        and passing ``filters`` ((field, accepted values) pairs: any value of a field, every pair).
        ``keep``: a query with more terms keeps its ``keep`` rarest (terms no document holds are
        dropped). ``count_all``: when the best k are not all the matches, count them all."""
        searcher, stamp = self._searcher()
        if searcher is None or k <= 0:
            return LexicalHits({}, 0, stamp)
        try:
            if keep is not None and len(terms) > keep:
                terms = self._rarest(searcher, terms, keep)
            query = self._query(terms, filters)
            if query is None:
                return LexicalHits({}, 0, stamp)
            found = searcher.search(query, k, count=False)
            addresses = [address for _, address in found.hits]
            rowids = searcher.fast_field_values("rowid", addresses) if addresses else []
            scores = {int(r): float(score) for r, (score, _) in zip(rowids, found.hits)}
            total = len(scores)
            if count_all and total == k:
                total = searcher.search(query, 1, count=True).count
        except (ValueError, OSError) as exc:
            raise SearchUnavailable(f"lexical index error: {exc}") from exc
        return LexicalHits(scores, total, stamp)

    def _rarest(self, searcher, terms: Sequence[str], keep: int) -> list[str]:
        counts = []
        for position, term in enumerate(terms):
            df = max((searcher.doc_freq("text", token) for token in self.tokens(term)), default=0)
            if df:
                counts.append((df, position, term))
        return [term for _, _, term in sorted(counts)[:keep]]

    def _query(self, terms: Sequence[str], filters: Sequence[tuple[str, list]]):
        schema = self.schema
        tokens = list(dict.fromkeys(token for term in terms for token in self.tokens(term)))
        if not tokens:
            return None
        should = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", token)) for token in tokens]
        text = tantivy.Query.boolean_query(should)
        if not filters:
            return text
        clauses = [(tantivy.Occur.Must, text)]
        for name, values in filters:
            # score 0: filters restrict, they never move BM25 (lexical scores are normalised by the best)
            accepted = tantivy.Query.term_set_query(schema, name, list(values))
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(accepted, 0.0)))
        return tantivy.Query.boolean_query(clauses)

    # -- writes (the writing process only) ---------------------------------------------------------
    def _document(self, row: LexicalRow):
        doc = tantivy.Document()
        doc.add_unsigned("rowid", row.rowid)
        doc.add_text("text", " ".join(getattr(row, name) for name, repeats in WEIGHTS for _ in range(repeats)))
        doc.add_text("kind", row.kind)
        for name in ("district", "org_kind", "status", "organisation_id"):
            value = getattr(row, name)
            if value is not None:
                doc.add_text(name, str(value))
        for domain in row.domains:
            doc.add_text("domains", str(domain))
        if row.year is not None:
            doc.add_integer("year", int(row.year))
        return doc

    def _commit(self, stamp: Stamp, change, build: str | None = None) -> None:
        try:
            index = self._open()
            writer = index.writer(WRITER_HEAP, 1)
            try:
                change(writer)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            writer.wait_merging_threads()
        except (ValueError, OSError, RuntimeError) as exc:
            self.close()
            raise SearchUnavailable(f"cannot write the lexical index at {self.path}: {exc}") from exc
        previous = self._read_stamp() or {}
        data = {
            "layout": LAYOUT,
            "tantivy": self._version(),
            "instance": stamp[0],
            "generation": stamp[1],
            "build": build or previous.get("build") or uuid.uuid4().hex,
        }
        scratch = self.path / f".{STAMP}.{os.getpid()}"
        scratch.write_text(json.dumps(data))
        os.replace(scratch, self.path / STAMP)
        self._index.reload()
        self._loaded = data

    def write(self, stamp: Stamp, rows: Sequence[LexicalRow] = (), deleted: Sequence[int] = ()) -> None:
        """Replace ``rows`` (by rowid) and remove ``deleted``, in one commit that brings the index to
        ``stamp``."""
        schema = self.schema

        # an upserted row replaces its earlier version: deletes apply to documents added before them
        gone = [int(r) for r in deleted] + [row.rowid for row in rows]

        def change(writer):
            for start in range(0, len(gone), DELETE_CHUNK):
                chunk = gone[start : start + DELETE_CHUNK]
                writer.delete_documents_by_query(tantivy.Query.term_set_query(schema, "rowid", chunk))
            for row in rows:
                writer.add_document(self._document(row))

        self._commit(stamp, change)

    def rebuild(self, stamp: Stamp, rows: Iterable[LexicalRow]) -> int:
        """A new folder holding exactly ``rows``, stamped ``stamp``; returns how many."""
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)
        added = 0

        def change(writer):
            nonlocal added
            for row in rows:
                writer.add_document(self._document(row))
                added += 1

        self._commit(stamp, change, build=uuid.uuid4().hex)
        return added
