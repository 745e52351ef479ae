"""A disk cache of embeddings keyed by model and text, so re-indexing and re-evaluating the same
texts takes seconds instead of minutes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.blob_cache import BlobCache
from indexer.embedder import Embedder

CHUNK = 512


class CachedEmbedder:
    def __init__(self, embedder: Embedder, path: Path) -> None:
        self.embedder = embedder
        self.path = Path(path)
        self.store = BlobCache(self.path, "vectors", "vector")

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
        found = {
            key: np.frombuffer(blob, dtype=np.float32)
            for key, blob in self.store.get_many(keys).items()
        }
        missing = [i for i, key in enumerate(keys) if key not in found]
        # encode and store in chunks, so an interrupted run keeps what it already computed
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            vectors = self.embedder.encode([texts[i] for i in chunk], batch_size=batch_size)
            self.store.put_many(
                (keys[i], v.astype(np.float32).tobytes())
                for i, v in zip(chunk, vectors, strict=True)
            )
            for i, vector in zip(chunk, vectors, strict=True):
                found[keys[i]] = vector
        if not keys:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([found[key] for key in keys]).astype(np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
