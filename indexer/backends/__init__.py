"""Search-index backends behind one interface; configuration picks one (see `open_index`)."""

from indexer.backends.base import (
    Hit,
    IndexDocument,
    IndexError_,
    IndexModelMismatch,
    IndexUnavailable,
    SearchIndex,
)
from indexer.backends.registry import open_index, probe_index

__all__ = [
    "Hit",
    "IndexDocument",
    "IndexError_",
    "IndexModelMismatch",
    "IndexUnavailable",
    "SearchIndex",
    "open_index",
    "probe_index",
]
