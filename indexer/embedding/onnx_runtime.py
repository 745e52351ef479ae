"""The embedding model as an ONNX Runtime graph.

One need's text through PyTorch costs ~31 ms on two cores, through ONNX Runtime ~19 ms for the
same vector (cosine ≥ 0.99999); int8 weights (per output channel) bring it to ~9 ms. That is what
a search, a form's duplicate check and each need of a re-match wait for. The graphs are exported
once per model directory by a child process (`indexer.embedding.onnx_export`), so a process that
serves requests never imports torch for them, and kept in the model directory's `onnx/` folder,
which goes when the model directory is replaced.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedding.files import file_lock

log = logging.getLogger(__name__)

GRAPH_DIR = "onnx"
STAMP = "source.json"
# bump when the exported graph changes for the same weights
EXPORT_VERSION = "2"  # 2: token-embedding table in float16
EXPORT_TIMEOUT_S = 900
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
MEAN_POOLING = "pooling_mode_mean_tokens"


class GraphUnavailable(RuntimeError):
    """The model cannot run on ONNX Runtime (no local directory, another pooling, export
    failed, or onnxruntime missing)."""


def graph_file(model_dir: Path, *, int8: bool) -> Path:
    return Path(model_dir) / GRAPH_DIR / ("model-int8.onnx" if int8 else "model.onnx")


def unsupported_reason(model_dir: Path | str) -> str | None:
    """Why this model cannot be exported as Transformer → mean pooling → normalise, or None."""
    directory = Path(model_dir)
    if not directory.is_dir():
        return f"{model_dir} is not a local model directory"
    if not (directory / "tokenizer.json").is_file():
        return "no tokenizer.json (a fast tokenizer is needed)"
    if not any((directory / name).is_file() for name in WEIGHT_FILES):
        return "no weights file"
    found = _pooling(directory)
    if found is None:
        return "no sentence-transformers pooling configuration"
    modules, config = found
    kinds = {m["type"].rsplit(".", 1)[-1] for m in modules}
    if not kinds <= {"Transformer", "Pooling", "Normalize"}:
        return f"modules other than Transformer, Pooling, Normalize: {sorted(kinds)}"
    modes = {key for key, value in config.items() if key.startswith("pooling_mode") and value}
    if modes != {MEAN_POOLING}:
        return f"pooling {sorted(modes)}, only mean pooling is exported"
    return None


def _pooling(directory: Path) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """A sentence-transformers directory's modules and its Pooling module's configuration."""
    try:
        modules = json.loads((directory / "modules.json").read_text())
        pooling = next(m for m in modules if m["type"].endswith(".Pooling"))
        return modules, json.loads((directory / pooling["path"] / "config.json").read_text())
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return None


def embedding_dimension(model_dir: Path | str) -> int | None:
    """The vector size a sentence-transformers directory declares, without loading it."""
    found = _pooling(Path(model_dir))
    try:
        return int(found[1]["word_embedding_dimension"]) if found else None
    except (KeyError, ValueError, TypeError):
        return None


def source_stamp(model_dir: Path) -> dict[str, Any]:
    """What the graphs were exported from: a replaced weights file makes them stale."""
    weights = {}
    for name in WEIGHT_FILES:
        path = Path(model_dir) / name
        if path.is_file():
            stat = path.stat()
            weights[name] = [stat.st_size, stat.st_mtime_ns]
    return {"version": EXPORT_VERSION, "weights": weights}


def is_current(model_dir: Path, *, int8: bool) -> bool:
    stamp_path = Path(model_dir) / GRAPH_DIR / STAMP
    if not graph_file(model_dir, int8=int8).is_file() or not stamp_path.is_file():
        return False
    try:
        return json.loads(stamp_path.read_text()) == source_stamp(model_dir)
    except (OSError, ValueError):
        return False


def ensure_graph(model_dir: Path | str, *, int8: bool) -> Path:
    """The graph file, exported first if missing or stale; safe from several processes."""
    directory = Path(model_dir)
    reason = unsupported_reason(directory)
    if reason:
        raise GraphUnavailable(reason)
    if is_current(directory, int8=int8):
        return graph_file(directory, int8=int8)
    (directory / GRAPH_DIR).mkdir(exist_ok=True)
    with file_lock(directory / GRAPH_DIR / ".lock"):
        if not is_current(directory, int8=int8):
            command = [sys.executable, "-m", "indexer.embedding.onnx_export", str(directory)]
            log.info("exporting %s to ONNX%s", directory, " (int8)" if int8 else "")
            done = subprocess.run(
                [*command, *(["--int8"] if int8 else [])],
                capture_output=True,
                text=True,
                timeout=EXPORT_TIMEOUT_S,
                env={**os.environ, "PYTHONPATH": _project_path()},
            )
            if done.returncode != 0:
                raise GraphUnavailable(f"export failed: {done.stderr.strip()[-2000:]}")
    return graph_file(directory, int8=int8)


def _project_path() -> str:
    root = str(Path(__file__).resolve().parents[2])
    existing = os.environ.get("PYTHONPATH")
    return f"{root}{os.pathsep}{existing}" if existing else root


def available_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class OnnxEncoder:
    """Encodes prefixed texts with an exported graph: mean-pooled, L2-normalised float32."""

    def __init__(
        self, graph: Path, tokenizer_file: Path, *, max_seq_length: int, threads: int = 0
    ) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise GraphUnavailable(f"onnxruntime is not installed ({exc})") from exc
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or available_threads()
        options.inter_op_num_threads = 1
        # idle threads must not spin: the site runs the BM25 query and the next request beside
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.graph = Path(graph)
        self.session = onnxruntime.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=max_seq_length)
        self.tokenizer.no_padding()
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    @classmethod
    def for_model(cls, model_dir: Path | str, *, int8: bool, max_seq_length: int) -> OnnxEncoder:
        """The model's graph, exported first where needed."""
        graph = ensure_graph(model_dir, int8=int8)
        return cls(graph, Path(model_dir) / "tokenizer.json", max_seq_length=max_seq_length)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        # longest first, so each batch pads to lengths close to its own
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, i in enumerate(rows):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[rows] = vectors
        return out
