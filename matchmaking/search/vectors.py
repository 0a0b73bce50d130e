"""In-memory vectors for the embedded backend: an exact NumPy matrix, plus a usearch HNSW index
once the collection passes a size threshold.

Keys are the SQLite row ids of the documents (never reused: the table is AUTOINCREMENT), so the
matrix, the approximate index and the database agree on identity. The database holds the vectors
durably; this object is a cache rebuilt from it (and the HNSW graph is saved next to it so a
restart does not pay for a rebuild). The graph is built in a background thread the first time
it is wanted; until it is ready (or when writes raced the build) queries are answered exactly.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np


SELECTIONS = 8  # filters whose rows are remembered (see ``similarities``)


class VectorStore:
    def __init__(self, dimension: int, ann_threshold: int = 20_000):
        self.dimension = dimension
        self.ann_threshold = ann_threshold
        self._matrix = np.zeros((0, dimension), dtype=np.float32)
        self._keys = np.zeros(0, dtype=np.int64)  # rowid per matrix row, -1 when the row is free
        self._pos: dict[int, int] = {}
        self._free: list[int] = []
        self._ann = None
        self._guard = threading.Lock()  # the graph, the build thread and the writes made during a build
        self._building: threading.Thread | None = None
        self._replay: list[tuple[np.ndarray, np.ndarray | None]] = []  # (keys, vectors or None = removed)
        self._generation = 0  # bumped by load(): a build of older data is thrown away
        self._used = 0  # rows below this have been used (the matrix grows by doubling; the rest is empty)
        self._selections: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id -> (a filter's rowids, their rows)

    def __len__(self) -> int:
        return len(self._pos)

    def load(self, rows, ann_path: Path | None = None) -> None:
        """Replace everything with ``rows`` of (rowid, float32 bytes); reuse a saved HNSW graph if given."""
        keys, vecs = [], []
        for rowid, blob in rows:
            keys.append(rowid)
            vecs.append(np.frombuffer(blob, dtype=np.float32))
        self._matrix = np.vstack(vecs) if vecs else np.zeros((0, self.dimension), dtype=np.float32)
        self._keys = np.asarray(keys, dtype=np.int64)
        self._pos = {k: i for i, k in enumerate(keys)}
        self._free = []
        self._used = len(keys)
        self._selections = {}
        with self._guard:
            self._ann = None
            self._generation += 1
            self._replay = []
        if ann_path is not None and ann_path.exists() and len(self) >= self.ann_threshold:
            from usearch.index import Index

            self._ann = Index.restore(str(ann_path))

    def put(self, rowids: list[int], vectors: np.ndarray) -> None:
        for rowid, vec in zip(rowids, vectors):
            pos = self._pos.get(rowid)
            if pos is None:
                pos = self._free.pop() if self._free else self._grow()
                self._pos[rowid] = pos
                self._used = max(self._used, pos + 1)
                self._selections = {}
                self._keys[pos] = rowid
            self._matrix[pos] = vec
        if rowids:
            self._graph_write(np.asarray(rowids, dtype=np.uint64), np.asarray(vectors, dtype=np.float32))

    def drop(self, rowids) -> None:
        gone = []
        for rowid in rowids:
            pos = self._pos.pop(rowid, None)
            if pos is not None:
                self._keys[pos] = -1
                self._matrix[pos] = 0
                self._free.append(pos)
                gone.append(rowid)
                self._selections = {}
        if gone:
            self._graph_write(np.asarray(gone, dtype=np.uint64), None)

    def _graph_write(self, keys: np.ndarray, vectors: np.ndarray | None) -> None:
        with self._guard:
            if self._building is not None:
                self._replay.append((keys, vectors))
            if self._ann is not None:
                _apply(self._ann, keys, vectors)

    def _grow(self) -> int:
        n = len(self._keys)
        cap = max(64, n * 2)
        matrix = np.zeros((cap, self.dimension), dtype=np.float32)
        matrix[:n] = self._matrix
        keys = np.full(cap, -1, dtype=np.int64)
        keys[:n] = self._keys
        self._matrix, self._keys = matrix, keys
        self._free.extend(range(cap - 1, n, -1))
        return n

    def get(self, rowids) -> dict[int, np.ndarray]:
        """The stored vectors of these rowids (copies; a rowid without a vector is left out)."""
        found = [(int(r), self._pos.get(int(r))) for r in rowids]
        found = [(r, p) for r, p in found if p is not None]
        rows = self._matrix[[p for _, p in found]] if found else None  # one gather: the rows are copies
        return {r: rows[i] for i, (r, _) in enumerate(found)}

    def similarities(self, rowids: np.ndarray | None, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact cosine for ``rowids`` (all stored vectors when None): (rowids that have a vector, scores).
        One matrix-vector product over the used rows, then a selection: cheaper than gathering rows.

        The rows of the last few large ``rowids`` arrays are remembered until the next write: a filter's
        rowids come from the backend's per-generation cache as the same array, and finding their rows
        among 100,000 keys took about 2 ms a query. The product stops at the last used row: a matrix
        grown by doubling may be a third empty, and at that size the product is bound by memory."""
        used = self._used
        keys = self._keys[:used]
        if rowids is None:
            positions = np.flatnonzero(keys >= 0)
        elif len(rowids) * 8 < used:  # a few: look each one up
            found = [self._pos.get(int(r)) for r in rowids]
            positions = np.asarray([p for p in found if p is not None], dtype=np.int64)
        else:  # many (a filter that keeps most documents): one vectorised membership test
            selections = self._selections
            held = selections.get(id(rowids))
            if held is not None and held[0] is rowids:
                positions = held[1]
            else:
                positions = np.flatnonzero((keys >= 0) & np.isin(keys, np.asarray(rowids, dtype=np.int64)))
                # a new dict, never changed in place: searches in other threads may be reading the old one
                kept = list(selections.items())[-(SELECTIONS - 1) :]
                self._selections = {**dict(kept), id(rowids): (rowids, positions)}
        if positions.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if positions.size * 8 < used:  # a small subset: gather only those rows
            return keys[positions], self._matrix[positions] @ query
        return keys[positions], (self._matrix[:used] @ query)[positions]

    def nearest(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Approximate top-k (rowids, cosine) over everything; None below the threshold or while the
        graph is still being built (the caller then answers exactly)."""
        if len(self) < self.ann_threshold:
            return None
        with self._guard:
            ann = self._ann
        if ann is None:
            self.build_ann(wait=False)
            return None
        matches = ann.search(query, min(k, len(self)))
        return matches.keys.astype(np.int64), (1.0 - matches.distances).astype(np.float32)

    def build_ann(self, wait: bool = True) -> None:
        """Build the HNSW graph from a snapshot, in a background thread; ``wait`` blocks until done."""
        with self._guard:
            if self._ann is None and self._building is None:
                positions = np.flatnonzero(self._keys >= 0)
                keys = self._keys[positions].astype(np.uint64)
                matrix = self._matrix[positions].copy()
                self._replay = []
                self._building = threading.Thread(
                    target=self._build, args=(keys, matrix, self._generation), daemon=True, name="usearch-build"
                )
                self._building.start()
            thread = self._building
        if wait and thread is not None:
            thread.join()

    def _build(self, keys: np.ndarray, matrix: np.ndarray, generation: int) -> None:
        from usearch.index import Index

        index = Index(ndim=self.dimension, metric="cos", dtype="f32")
        if len(keys):
            index.add(keys, matrix)
        with self._guard:
            if generation == self._generation:
                for changed_keys, vectors in self._replay:  # writes that happened during the build
                    _apply(index, changed_keys, vectors)
                self._ann = index
            self._replay = []
            self._building = None

    def save_ann(self, path: Path) -> bool:
        if self._ann is None:
            return False
        self._ann.save(str(path))
        return True

    @property
    def has_ann(self) -> bool:
        return self._ann is not None


def _apply(index, keys: np.ndarray, vectors: np.ndarray | None) -> None:
    index.remove(keys)
    if vectors is not None:
        index.add(keys, vectors)
