"""A search engine for unit tests: the real local index with a small deterministic embedder
(hashed character bigrams), so retrieval, ranking and digests run without the model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer import text
from indexer.backends.local import LocalIndex
from matchmaker.search.profiles import AnalysisStore, ProfileStore

DIMENSION = 64


class HashingEmbedder:
    model_id = "test-hashing-64"
    dimension = DIMENSION

    def prepare(self) -> None:
        """Nothing to export: the hashing runs in NumPy."""

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        return np.stack([self.encode_one(t) for t in texts]) if texts else np.zeros((0, DIMENSION))

    def encode_one(self, value: str) -> np.ndarray:
        vector = np.zeros(DIMENSION, dtype=np.float32)
        for gram in text.char_bigrams(value) + text.words(value):
            vector[int(hashlib.md5(gram.encode()).hexdigest(), 16) % DIMENSION] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector


@dataclass
class FakeEngine:
    index: LocalIndex
    embedder: HashingEmbedder
    profiles: ProfileStore = field(default_factory=lambda: ProfileStore(None))
    analyses: AnalysisStore = field(default_factory=lambda: AnalysisStore(None))

    @property
    def calibration(self):  # type: ignore[no-untyped-def]
        """As SearchEngine.calibration; read each time, so a test's monkeypatch applies."""
        from matchmaker.search import relevance

        return relevance.calibration()


def engine(path: Path) -> FakeEngine:
    embedder = HashingEmbedder()
    return FakeEngine(LocalIndex(path, embedder.model_id, DIMENSION), embedder)


def index_all(session, fake: FakeEngine) -> None:  # type: ignore[no-untyped-def]
    from matchmaker.search import indexing

    listings = list(indexing.indexable_listings(session))
    if listings:
        fake.index.upsert(indexing.build_documents(fake, listings))  # type: ignore[arg-type]


def calibration():  # type: ignore[no-untyped-def]
    """A relevance calibration for HashingEmbedder's vectors (the shipped one is fitted to e5,
    whose unrelated texts already sit at a cosine of ~0.8): word coverage decides, the hashed
    cosine helps a little. Bands as shipped."""
    from matchmaker.search import relevance

    shipped = relevance.load(relevance.calibration_path()).to_dict()
    shipped["model"] = {
        "features": ["cosine", "coverage", "cross_lingual"],
        "coefficients": {"cosine": 4.0, "coverage": 8.0, "cross_lingual": 0.0},
        "intercept": -7.0,
    }
    return relevance.Calibration.from_dict(shipped)
