"""A disk cache of embeddings keyed by model and text, so re-indexing and re-evaluating the same
texts takes seconds instead of minutes."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.embedder import Embedder

CHUNK = 512


class CachedEmbedder:
    def __init__(self, embedder: Embedder, path: Path) -> None:
        self.embedder = embedder
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        # a cache: losing the last writes on power loss costs a re-embedding, not a wrong
        # answer, so commits need not wait for the disk
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def prepare(self) -> None:
        self.embedder.prepare()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.embedder.model_id}\n{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, blob in conn.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
                ):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = [i for i, key in enumerate(keys) if key not in found]
        # encode and store in chunks, so an interrupted run keeps what it already computed
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            vectors = self.embedder.encode([texts[i] for i in chunk], batch_size=batch_size)
            with self._connect() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                    [
                        (keys[i], v.astype(np.float32).tobytes())
                        for i, v in zip(chunk, vectors, strict=True)
                    ],
                )
            for i, vector in zip(chunk, vectors, strict=True):
                found[keys[i]] = vector
        if not keys:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([found[key] for key in keys]).astype(np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
