"""Indexing and query benchmarks (numbers go into README; never a timed test).

    python scripts/bench_index.py encode  --docs 10000 [--backend local|elasticsearch]
    python scripts/bench_index.py queries --sizes 10000 100000 [--backend local|elasticsearch]
    python scripts/bench_index.py variants [--rounds 3 --docs 64]

`encode` compares the raw model.encode rate with end-to-end bulk indexing (text preparation,
word profiles, embedding, index writes) on abstracts from ../shared/eval/csl. `queries` fills an
index with synthetic unit vectors and token lists and measures kNN and BM25 latency. `variants`
compares the engines and precisions in one interleaved run (ratios survive a busy machine):
abstracts per second in batches, one need's text and one short query alone, each variant's
memory in a process of its own, and the cosine to PyTorch fp32.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.backends import IndexDocument, open_index  # noqa: E402
from indexer.documents import ListingText, prepare  # noqa: E402
from indexer.embedder import DEFAULT_MODEL, Embedder  # noqa: E402
from indexer.embedding import onnx_runtime  # noqa: E402
from matchmaker.search.profiles import AnalysisStore, ProfileStore  # noqa: E402

CSL = ROOT.parent / "shared" / "eval" / "csl" / "corpus.jsonl"
CACHE = Path(os.environ.get("MATCHMAKER_MODEL_CACHE_DIR", Path.home() / ".cache" / "matchmaker"))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_peak_rss_mb() -> float:
    """This process's peak since it started (ru_maxrss carries the parent's across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return rss_mb()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def make_index(backend: str, model_id: str, dim: int, workdir: Path):  # type: ignore[no-untyped-def]
    return open_index(
        backend,
        model_id=model_id,
        dimension=dim,
        local_path=workdir / "bench.sqlite",
        elasticsearch_url=os.environ.get("MATCHMAKER_TEST_ES_URL", "http://127.0.0.1:59200"),
        elasticsearch_prefix=f"mm-bench-{uuid.uuid4().hex[:8]}",
    )


def bench_encode(args: argparse.Namespace) -> None:
    texts = []
    with CSL.open(encoding="utf-8") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            if len(texts) >= args.docs:
                break
    embedder = Embedder(DEFAULT_MODEL, cache_dir=CACHE, precision=args.precision)
    embedder.encode(["预热"])
    start = time.perf_counter()
    embedder.encode(texts, batch_size=args.batch)
    raw = len(texts) / (time.perf_counter() - start)
    print(f"raw encode: {raw:.1f} texts/s ({len(texts)} texts, precision={args.precision})")

    with tempfile.TemporaryDirectory() as tmp:
        index = make_index(args.backend, embedder.model_id, embedder.dimension, Path(tmp))
        profiles = ProfileStore(Path(tmp) / "profiles.sqlite")
        analyses = AnalysisStore(Path(tmp) / "profiles.sqlite")
        start = time.perf_counter()

        def documents():  # type: ignore[no-untyped-def]
            for begin in range(0, len(texts), 256):
                chunk = texts[begin : begin + 256]
                prepared = [prepare(ListingText(title="", body=[t])) for t in chunk]
                vectors = embedder.encode([p.text for p in prepared], batch_size=args.batch)
                # as indexing.build_documents stores them
                profiles.many(chunk)
                analyses.many(chunk)
                for offset, (prep, vector) in enumerate(zip(prepared, vectors, strict=True)):
                    yield IndexDocument(
                        f"achievement:{begin + offset}",
                        "achievement",
                        prep.tokens,
                        vector,
                        {"kind": "achievement"},
                        prep.fingerprint("m"),
                    )

        written = index.rebuild(documents())
        pipeline = written / (time.perf_counter() - start)
        print(
            f"end-to-end indexing ({args.backend}): {pipeline:.1f} docs/s "
            f"= {pipeline / raw:.2f} x raw encode; peak RSS {rss_mb():.0f} MB"
        )
        if hasattr(index, "drop"):
            index.drop()


# name → (batches, single texts): what each configuration runs
VARIANTS = {
    "fp32 (PyTorch only, before)": ("torch-fp32", "torch-fp32"),
    "bf16 (default)": ("torch-bf16", "onnx-fp32"),
    "int8": ("onnx-int8", "onnx-int8"),
    "ONNX Runtime fp32 for batches too": ("onnx-fp32", "onnx-fp32"),
}
NEED = (
    "我公司生产动力电池负极材料，现有石墨负极克容量已接近理论极限，希望引进硅碳复合负极技术，"
    "要求首次库伦效率不低于88%，循环1000次容量保持率80%以上，可接受技术许可或合作开发，"
    "预算200万元以内，希望一年内完成中试。"
)
QUERY = "硅碳负极"
ENGINES: dict[str, Embedder | onnx_runtime.OnnxEncoder] = {}


def engine(kind: str) -> Embedder | onnx_runtime.OnnxEncoder:
    runtime, precision = kind.split("-")
    if runtime == "torch":
        return Embedder(DEFAULT_MODEL, cache_dir=CACHE, precision=precision, onnx=False)
    model_dir = Embedder(DEFAULT_MODEL, cache_dir=CACHE)._model_path()
    return onnx_runtime.OnnxEncoder.for_model(
        model_dir, int8=precision == "int8", max_seq_length=512
    )


def encode_with(kind: str, texts: list[str], batch_size: int = 32) -> np.ndarray:
    if kind not in ENGINES:
        ENGINES[kind] = engine(kind)
    encoder = ENGINES[kind]
    if isinstance(encoder, Embedder):
        return encoder.encode(texts, batch_size=batch_size)
    return encoder.encode(["query: " + t for t in texts], batch_size=batch_size)


def variant_memory(name: str, texts: list[str]) -> float:
    """Peak RSS of a process that loads the variant and encodes a batch and a single text."""
    script = (
        "import sys, json; sys.argv = ['x']; import bench_index as b; "
        f"batch, single = b.VARIANTS[{name!r}]; texts = json.loads(sys.stdin.read()); "
        "b.encode_with(batch, texts); b.encode_with(single, texts[:1]); print(b.own_peak_rss_mb())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    )
    return float(done.stdout.strip().splitlines()[-1])


def bench_variants(args: argparse.Namespace) -> None:
    texts = []
    with CSL.open(encoding="utf-8") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            if len(texts) >= args.docs * args.rounds:
                break
    kinds = sorted({kind for pair in VARIANTS.values() for kind in pair})
    for kind in kinds:
        encode_with(kind, texts[:2])  # load, export where needed, warm up
    rates: dict[str, list[float]] = {kind: [] for kind in kinds}
    need_ms: dict[str, list[float]] = {kind: [] for kind in kinds}
    query_ms: dict[str, list[float]] = {kind: [] for kind in kinds}
    for number in range(args.rounds):
        chunk = texts[number * args.docs : (number + 1) * args.docs]
        for kind in kinds:
            started = time.perf_counter()
            encode_with(kind, chunk)
            rates[kind].append(len(chunk) / (time.perf_counter() - started))
            for _ in range(5):
                for sample, timings in ((NEED, need_ms), (QUERY, query_ms)):
                    started = time.perf_counter()
                    encode_with(kind, [sample])
                    timings[kind].append((time.perf_counter() - started) * 1000)
    reference = encode_with("torch-fp32", texts[: args.docs])
    base = statistics.median(rates["torch-fp32"])
    print(f"{args.rounds} rounds × {args.docs} CSL abstracts, interleaved; batches of 32")
    for name, (batch, single) in VARIANTS.items():
        vectors = encode_with(batch, texts[: args.docs])
        cosine = (reference * vectors).sum(axis=1)
        rate = statistics.median(rates[batch])
        print(
            f"{name}: batches {rate:.1f} texts/s ({rate / base:.2f}× fp32), "
            f"one need {statistics.median(need_ms[single]):.1f} ms, "
            f"one short query {statistics.median(query_ms[single]):.1f} ms, "
            f"cosine to fp32 median {np.median(cosine):.5f} min {cosine.min():.5f}, "
            f"peak RSS {variant_memory(name, texts[:32]):.0f} MB"
        )


def bench_queries(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(7)
    vocabulary = [f"词{i}" for i in range(30000)]
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)  # Zipf-like term frequencies
    weights /= weights.sum()
    dim = 384
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            index = make_index(args.backend, "synthetic", dim, Path(tmp))

            def documents(size: int = size):  # type: ignore[no-untyped-def]
                for i in range(size):
                    v = rng.standard_normal(dim).astype(np.float32)
                    tokens = list(rng.choice(vocabulary, size=60, p=weights))
                    yield IndexDocument(
                        f"achievement:{i}",
                        "achievement",
                        tokens,
                        v / np.linalg.norm(v),
                        {"kind": "achievement", "field": f"f{i % 11}"},
                        "",
                    )

            start = time.perf_counter()
            index.rebuild(documents(), batch_size=1000)
            build = time.perf_counter() - start
            queries = [rng.standard_normal(dim).astype(np.float32) for _ in range(args.queries)]
            token_queries = [
                list(rng.choice(vocabulary[:5000], size=12)) for _ in range(args.queries)
            ]
            index.knn(queries[0], 20)  # load / warm up
            knn_ms, lex_ms, filtered_ms = [], [], []
            for vector, tokens in zip(queries, token_queries, strict=True):
                t = time.perf_counter()
                index.knn(vector, 100)
                knn_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                index.lexical(tokens, 100)
                lex_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                index.knn(vector, 100, filters={"field": ["f1", "f2"]})
                filtered_ms.append((time.perf_counter() - t) * 1000)

            def p50_p95(values: list[float]) -> str:
                return f"p50 {statistics.median(values):.1f} p95 {percentile(values, 95):.1f} ms"

            print(
                f"{args.backend} n={size}: build {build:.1f}s | kNN {p50_p95(knn_ms)} | "
                f"filtered kNN {p50_p95(filtered_ms)} | BM25 {p50_p95(lex_ms)} | "
                f"peak RSS {rss_mb():.0f} MB"
            )
            if hasattr(index, "drop"):
                index.drop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    enc = sub.add_parser("encode")
    enc.add_argument("--docs", type=int, default=10000)
    enc.add_argument("--batch", type=int, default=32)
    enc.add_argument("--precision", choices=("fp32", "int8", "bf16"), default="fp32")
    enc.add_argument("--backend", default="local")
    v = sub.add_parser("variants")
    v.add_argument("--rounds", type=int, default=3)
    v.add_argument("--docs", type=int, default=64)
    q = sub.add_parser("queries")
    q.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    q.add_argument("--queries", type=int, default=200)
    q.add_argument("--backend", default="local")
    args = parser.parse_args()
    random.seed(7)
    {"encode": bench_encode, "variants": bench_variants, "queries": bench_queries}[args.command](
        args
    )


if __name__ == "__main__":
    main()
