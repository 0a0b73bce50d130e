"""In-memory vectors for the embedded backend: an exact NumPy matrix, plus a usearch HNSW index
once the collection passes a size threshold.

Keys are the SQLite row ids of the documents (never reused: the table is AUTOINCREMENT), so the
matrix, the approximate index and the database agree on identity. The database holds the vectors
durably; this object is a cache rebuilt from it (and the HNSW graph is saved next to it so a
restart does not pay for a rebuild).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorStore:
    def __init__(self, dimension: int, ann_threshold: int = 20_000):
        self.dimension = dimension
        self.ann_threshold = ann_threshold
        self._matrix = np.zeros((0, dimension), dtype=np.float32)
        self._keys = np.zeros(0, dtype=np.int64)  # rowid per matrix row, -1 when the row is free
        self._pos: dict[int, int] = {}
        self._free: list[int] = []
        self._ann = None

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
        self._ann = None
        if ann_path is not None and ann_path.exists() and len(self) >= self.ann_threshold:
            from usearch.index import Index

            self._ann = Index.restore(str(ann_path))

    def put(self, rowids: list[int], vectors: np.ndarray) -> None:
        for rowid, vec in zip(rowids, vectors):
            pos = self._pos.get(rowid)
            if pos is None:
                pos = self._free.pop() if self._free else self._grow()
                self._pos[rowid] = pos
                self._keys[pos] = rowid
            self._matrix[pos] = vec
        if self._ann is not None and rowids:
            keys = np.asarray(rowids, dtype=np.uint64)
            self._ann.remove(keys)
            self._ann.add(keys, np.asarray(vectors, dtype=np.float32))

    def drop(self, rowids) -> None:
        gone = []
        for rowid in rowids:
            pos = self._pos.pop(rowid, None)
            if pos is not None:
                self._keys[pos] = -1
                self._matrix[pos] = 0
                self._free.append(pos)
                gone.append(rowid)
        if self._ann is not None and gone:
            self._ann.remove(np.asarray(gone, dtype=np.uint64))

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

    def similarities(self, rowids: np.ndarray | None, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact cosine for ``rowids`` (all stored vectors when None): (rowids that have a vector, scores)."""
        if rowids is None:
            positions = np.flatnonzero(self._keys >= 0)
        else:
            found = [(r, self._pos.get(int(r))) for r in rowids]
            positions = np.asarray([p for _, p in found if p is not None], dtype=np.int64)
        if positions.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self._keys[positions], self._matrix[positions] @ query

    def nearest(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Approximate top-k (rowids, cosine) over everything, or None below the threshold."""
        if len(self) < self.ann_threshold:
            return None
        if self._ann is None:
            self._build_ann()
        matches = self._ann.search(query, min(k, len(self)))
        return matches.keys.astype(np.int64), (1.0 - matches.distances).astype(np.float32)

    def _build_ann(self) -> None:
        from usearch.index import Index

        index = Index(ndim=self.dimension, metric="cos", dtype="f32")
        positions = np.flatnonzero(self._keys >= 0)
        if positions.size:
            index.add(self._keys[positions].astype(np.uint64), self._matrix[positions])
        self._ann = index

    def save_ann(self, path: Path) -> bool:
        if self._ann is None:
            return False
        self._ann.save(str(path))
        return True

    @property
    def has_ann(self) -> bool:
        return self._ann is not None
