"""Choose a backend by name; the rest of the code never imports a backend module directly."""

from __future__ import annotations

from pathlib import Path

from indexer.backends.base import SearchIndex

BACKENDS = ("local", "elasticsearch")


def open_index(
    backend: str,
    *,
    model_id: str,
    dimension: int,
    local_path: Path | None = None,
    elasticsearch_url: str | None = None,
    elasticsearch_prefix: str = "matchmaker",
) -> SearchIndex:
    if backend == "local":
        from indexer.backends.local import LocalIndex

        if local_path is None:
            raise ValueError("the local backend needs local_path")
        return LocalIndex(local_path, model_id=model_id, dimension=dimension)
    if backend == "elasticsearch":
        from indexer.backends.elastic import ElasticsearchIndex

        if not elasticsearch_url:
            raise ValueError("the elasticsearch backend needs elasticsearch_url")
        return ElasticsearchIndex(
            elasticsearch_url, elasticsearch_prefix, model_id=model_id, dimension=dimension
        )
    raise ValueError(f"unknown index backend {backend!r}; choose one of {BACKENDS}")


def probe_index(
    backend: str,
    *,
    local_path: Path | None = None,
    elasticsearch_url: str | None = None,
    elasticsearch_prefix: str = "matchmaker",
) -> int:
    """How many documents the configured index holds, without loading the embedding model
    (opening an index needs its dimension, which only the model knows). Raises when the backend
    cannot be read."""
    if backend == "local":
        from indexer.backends.local import LocalIndex

        if local_path is None:
            raise ValueError("the local backend needs local_path")
        return LocalIndex.probe(local_path)
    if backend == "elasticsearch":
        from indexer.backends.elastic import ElasticsearchIndex

        if not elasticsearch_url:
            raise ValueError("the elasticsearch backend needs elasticsearch_url")
        return ElasticsearchIndex.probe(elasticsearch_url, elasticsearch_prefix)
    raise ValueError(f"unknown index backend {backend!r}; choose one of {BACKENDS}")
