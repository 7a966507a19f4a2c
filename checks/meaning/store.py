"""Sentence vectors on disk, keyed by the model and the text.

Re-analysing a night's calls with a new version of the standard must not embed every line
again: the vectors are kept in one SQLite file in callqa's cache folder, beside the Whisper
model. The file is a cache: losing it, or failing to write it (a read-only disk, a lock held
by another worker), costs time and never a result.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from pipeline.model_store import cache_root

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (model TEXT, text TEXT, vec BLOB, PRIMARY KEY (model, text))"
# SQLite caps the parameters of one statement; look texts up this many at a time
_CHUNK = 500


class VectorStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection | None:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
                self._db.execute(_SCHEMA)
            except (OSError, sqlite3.Error):
                return None
        return self._db

    def get_many(self, model: str, texts: list[str]) -> dict[str, np.ndarray]:
        db = self._conn()
        if db is None:
            return {}
        found: dict[str, np.ndarray] = {}
        try:
            for i in range(0, len(texts), _CHUNK):
                chunk = texts[i:i + _CHUNK]
                rows = db.execute(
                    f"SELECT text, vec FROM vectors WHERE model = ? AND text IN ({','.join('?' * len(chunk))})",
                    (model, *chunk))
                found.update((text, np.frombuffer(vec, dtype=np.float32)) for text, vec in rows)
        except sqlite3.Error:
            return found
        return found

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        db = self._conn()
        if db is None:
            return
        rows: Iterable[tuple[str, str, bytes]] = (
            (model, t, np.asarray(v, dtype=np.float32).tobytes()) for t, v in vectors.items())
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
        except sqlite3.Error:
            pass  # another worker holds the lock: the vectors are recomputed next time


def default_store() -> VectorStore:
    """`CALLQA_VECTOR_CACHE` names the file; by default it lies in callqa's cache folder."""
    return VectorStore(Path(os.environ.get("CALLQA_VECTOR_CACHE") or cache_root() / "vectors.sqlite"))
