"""Which process writes the embedded index: the one holding an exclusive lock on a file in the data
directory. With ``serve --workers N`` every process serves reads (SQLite in WAL mode: readers see
what was committed, and reload vectors when the index's generation moves), but only the lock holder
runs the in-process outbox worker; when it exits, the lock is free and another process takes over."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = ".index-writer.lock"


class WriterLock:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / LOCK_NAME
        self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> bool:
        """Take the lock if no other process holds it (never blocks)."""
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for as long as the lock is
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
