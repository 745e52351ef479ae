"""Choose a backend by name; the rest of the code never imports a backend module directly.

Each backend is one entry in `_BACKENDS`: how to open it, and how to count its documents
without the embedding model (readiness probes). Backend modules are imported on first use, so
the embedded default never imports the Elasticsearch client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer.backends.base import SearchIndex


@dataclass(frozen=True)
class Location:
    """Where an index lives, for every backend; each backend reads the part it needs."""

    local_path: Path | None = None
    elasticsearch_url: str | None = None
    elasticsearch_prefix: str = "matchmaker"


@dataclass(frozen=True)
class _Backend:
    open: Callable[[Location, str, int], SearchIndex]
    probe: Callable[[Location], int]


def _local_path(where: Location) -> Path:
    if where.local_path is None:
        raise ValueError("the local backend needs local_path")
    return where.local_path


def _elasticsearch_url(where: Location) -> str:
    if not where.elasticsearch_url:
        raise ValueError("the elasticsearch backend needs elasticsearch_url")
    return where.elasticsearch_url


def _open_local(where: Location, model_id: str, dimension: int) -> SearchIndex:
    from indexer.backends.local import LocalIndex

    return LocalIndex(_local_path(where), model_id=model_id, dimension=dimension)


def _probe_local(where: Location) -> int:
    from indexer.backends.local import LocalIndex

    return LocalIndex.probe(_local_path(where))


def _open_elasticsearch(where: Location, model_id: str, dimension: int) -> SearchIndex:
    from indexer.backends.elastic import ElasticsearchIndex

    return ElasticsearchIndex(
        _elasticsearch_url(where),
        where.elasticsearch_prefix,
        model_id=model_id,
        dimension=dimension,
    )


def _probe_elasticsearch(where: Location) -> int:
    from indexer.backends.elastic import ElasticsearchIndex

    return ElasticsearchIndex.probe(_elasticsearch_url(where), where.elasticsearch_prefix)


_BACKENDS: dict[str, _Backend] = {
    "local": _Backend(_open_local, _probe_local),
    "elasticsearch": _Backend(_open_elasticsearch, _probe_elasticsearch),
}
BACKENDS = tuple(_BACKENDS)


def _backend(name: str) -> _Backend:
    try:
        return _BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown index backend {name!r}; choose one of {BACKENDS}") from None


def open_index(
    backend: str,
    *,
    model_id: str,
    dimension: int,
    local_path: Path | None = None,
    elasticsearch_url: str | None = None,
    elasticsearch_prefix: str = "matchmaker",
) -> SearchIndex:
    where = Location(local_path, elasticsearch_url, elasticsearch_prefix)
    return _backend(backend).open(where, model_id, dimension)


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
    where = Location(local_path, elasticsearch_url, elasticsearch_prefix)
    return _backend(backend).probe(where)
