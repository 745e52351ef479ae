"""Indexing and query benchmarks (numbers go into README; never a timed test).

    python scripts/bench_index.py encode  --docs 10000 [--backend local|elasticsearch]
    python scripts/bench_index.py queries --sizes 10000 100000 [--backend local|elasticsearch]

`encode` compares the raw model.encode rate with end-to-end bulk indexing (text preparation +
embedding + index writes) on abstracts from ../shared/eval/csl. `queries` fills an index with
synthetic unit vectors and token lists and measures kNN and BM25 latency.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
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

CSL = ROOT.parent / "shared" / "eval" / "csl" / "corpus.jsonl"
CACHE = Path(os.environ.get("MATCHMAKER_MODEL_CACHE_DIR", Path.home() / ".cache" / "matchmaker"))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
        start = time.perf_counter()

        def documents():  # type: ignore[no-untyped-def]
            for begin in range(0, len(texts), 256):
                chunk = texts[begin : begin + 256]
                prepared = [prepare(ListingText(title="", body=[t])) for t in chunk]
                vectors = embedder.encode([p.text for p in prepared], batch_size=args.batch)
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
    q = sub.add_parser("queries")
    q.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    q.add_argument("--queries", type=int, default=200)
    q.add_argument("--backend", default="local")
    args = parser.parse_args()
    random.seed(7)
    bench_encode(args) if args.command == "encode" else bench_queries(args)


if __name__ == "__main__":
    main()
