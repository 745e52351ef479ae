import numpy as np

from indexer.embedding_cache import CachedEmbedder


class CountingEmbedder:
    """A deterministic stand-in that records what it was asked to encode (pure-logic test of
    the cache; the real model has its own tests)."""

    model_id = "counting-v1"
    dimension = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts, batch_size=None):
        self.calls.append(list(texts))
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_each_text_is_encoded_once_and_order_is_kept(tmp_path) -> None:
    inner = CountingEmbedder()
    cache = CachedEmbedder(inner, tmp_path / "cache.sqlite")
    first = cache.encode(["氮化铝", "水稻", "氮化铝"])
    assert first[:, 0].tolist() == [3, 2, 3]
    again = CachedEmbedder(inner, tmp_path / "cache.sqlite").encode(["水稻", "新文本xx"])
    assert again[:, 0].tolist() == [2, 5]
    assert inner.calls == [["氮化铝", "水稻", "氮化铝"], ["新文本xx"]]
    assert cache.encode([]).shape == (0, 3)


def test_cache_is_keyed_by_model(tmp_path) -> None:
    inner = CountingEmbedder()
    CachedEmbedder(inner, tmp_path / "c.sqlite").encode(["一"])
    other = CountingEmbedder()
    other.model_id = "counting-v2"
    CachedEmbedder(other, tmp_path / "c.sqlite").encode(["一"])
    assert other.calls == [["一"]]
