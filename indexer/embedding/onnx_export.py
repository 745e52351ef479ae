"""Exports a sentence-transformers model directory to the ONNX graphs `onnx_runtime` runs.

    python -m indexer.embedding.onnx_export MODEL_DIR [--int8]

Run by `onnx_runtime.ensure_graph` in a child process (torch stays out of the caller). The graph
computes what sentence-transformers computes for Transformer → mean pooling → normalise, and is
only installed after it agrees with sentence-transformers on probe texts; `--int8` also writes a
copy whose MatMul weights are int8 per output channel (activations quantized at run time).

The fp32 graph keeps its token-embedding table in float16 (a Cast follows the lookup): the
multilingual vocabulary's 250k rows are 384 MB in float32, over 80% of the weights, and each
process that serves queries held them all. Measured on 377 CSL abstracts and needs: cosine to
the float32 table ≥ 0.999999, 192 MB less per process, same speed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedding import onnx_runtime

PROBES = (
    "query: 锂离子电池硅碳负极材料的预锂化工艺",
    "query: Porous titanium interbody cage made by 3D printing",
    "query: 污水",
)
# fp32 must give the same vectors; int8 per channel measured ≥ 0.996 on CSL abstracts
MIN_COSINE = {False: 0.9999, True: 0.98}


def _wrapped(model_dir: Path) -> Any:
    import torch
    from transformers import AutoModel

    transformer = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    return MeanPooled()


def export_fp32(model_dir: Path, target: Path) -> None:
    import torch
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # two rows of different length: the trace must keep the padding mask
    tokenizer.enable_padding()
    example = tokenizer.encode_batch(list(PROBES[:2]))
    ids = torch.tensor([e.ids for e in example], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in example], dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(
            _wrapped(model_dir),
            (ids, mask),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
            do_constant_folding=True,
        )


def half_token_embeddings(source: Path, target: Path) -> None:
    """Stores the largest table read by a Gather of the token ids in float16, cast back to
    float32 right after the lookup."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    initializers = {t.name: t for t in model.graph.initializer}
    lookups = [
        node
        for node in model.graph.node
        if node.op_type == "Gather"
        and node.input[0] in initializers
        and node.input[1] == "input_ids"
        and initializers[node.input[0]].data_type == TensorProto.FLOAT
    ]
    if not lookups:
        raise ValueError("no token-embedding lookup found in the exported graph")
    lookup = max(lookups, key=lambda n: len(initializers[n.input[0]].raw_data))
    table = initializers[lookup.input[0]]
    table.CopyFrom(
        numpy_helper.from_array(numpy_helper.to_array(table).astype(np.float16), table.name)
    )
    looked_up = lookup.output[0]
    lookup.output[0] = f"{looked_up}_float16"
    cast = helper.make_node(
        "Cast", [lookup.output[0]], [looked_up], to=TensorProto.FLOAT, name=f"{lookup.name}_cast"
    )
    nodes = list(model.graph.node)
    model.graph.node.insert(nodes.index(lookup) + 1, cast)
    onnx.checker.check_model(model)
    onnx.save_model(model, str(target))


def quantize_int8(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def reference_vectors(model_dir: Path) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    return np.asarray(reference.encode(list(PROBES), normalize_embeddings=True))


def lowest_cosine(graph: Path, model_dir: Path, expected: np.ndarray) -> float:
    encoder = onnx_runtime.OnnxEncoder(graph, model_dir / "tokenizer.json", max_seq_length=512)
    got = encoder.encode(list(PROBES), batch_size=len(PROBES))
    return float(np.min(np.sum(expected * got, axis=1)))


def export(model_dir: Path, *, int8: bool) -> dict[str, float]:
    """Writes model.onnx (and model-int8.onnx) into MODEL_DIR/onnx after checking them."""
    reason = onnx_runtime.unsupported_reason(model_dir)
    if reason:
        raise ValueError(reason)
    out_dir = model_dir / onnx_runtime.GRAPH_DIR
    out_dir.mkdir(exist_ok=True)
    stamp = onnx_runtime.source_stamp(model_dir)
    fp32_target = onnx_runtime.graph_file(model_dir, int8=False)
    cosines: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=out_dir) as staging:
        staged = {False: Path(staging) / "model.onnx", True: Path(staging) / "model-int8.onnx"}
        exported = Path(staging) / "exported.onnx"  # all float32: what int8 quantizes
        fp32_current = onnx_runtime.is_current(model_dir, int8=False)
        if not fp32_current or int8:
            export_fp32(model_dir, exported)
        if fp32_current:
            staged[False] = fp32_target
        else:
            half_token_embeddings(exported, staged[False])
        if int8:
            quantize_int8(exported, staged[True])
        expected = reference_vectors(model_dir)
        for quantized in (False, True) if int8 else (False,):
            cosine = lowest_cosine(staged[quantized], model_dir, expected)
            cosines["int8" if quantized else "fp32"] = cosine
            if cosine < MIN_COSINE[quantized]:
                raise ValueError(
                    f"the {'int8' if quantized else 'fp32'} graph disagrees with "
                    f"sentence-transformers (cosine {cosine:.5f}); not installed"
                )
        for quantized, path in staged.items():
            target = onnx_runtime.graph_file(model_dir, int8=quantized)
            if path.exists() and path != target:
                path.replace(target)
    (out_dir / onnx_runtime.STAMP).write_text(json.dumps(stamp))
    return cosines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.embedding.onnx_export")
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--int8", action="store_true", help="also write the int8 graph")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        cosines = export(args.model_dir, int8=args.int8)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - started
    print(f"exported {args.model_dir} in {took:.1f}s, lowest cosine to torch {cosines}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
