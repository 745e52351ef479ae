"""Retrieval quality on a labelled set, through the product's own indexer and retrieval code.

    python scripts/evaluate.py --data ../shared/eval/needs [--backend local|elasticsearch]

DIR holds corpus.jsonl, queries.jsonl, qrels.tsv and exclude.tsv. Prints one line per system:
`<system> ndcg@10=<x> recall@10=<x> recall@100=<x> mrr@10=<x>` for lexical, dense and hybrid.
Document embeddings are cached on disk (keyed by model and text), so a re-run takes seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer import text  # noqa: E402
from indexer.backends import IndexDocument, open_index  # noqa: E402
from indexer.documents import ListingText, prepare  # noqa: E402
from indexer.embedder import DEFAULT_MODEL, Embedder  # noqa: E402
from indexer.embedding_cache import CachedEmbedder  # noqa: E402
from matchmaker.matching import compatibility, scoring  # noqa: E402
from matchmaker.matching.ranker import FUSED_MAX  # noqa: E402
from matchmaker.models import Achievement, Need  # noqa: E402
from matchmaker.search import retrieval  # noqa: E402
from matchmaker.search.fusion import score_fusion  # noqa: E402
from matchmaker.search.retrieval import retrieve  # noqa: E402

CACHE = Path(os.environ.get("MATCHMAKER_MODEL_CACHE_DIR", Path.home() / ".cache" / "matchmaker"))
K = 100


def resolve_link(path: Path) -> Path:
    """Some copies of the data sets turn a symlink into a file holding its relative target."""
    if path.is_file() and path.stat().st_size < 512:
        target = path.read_text(encoding="utf-8").strip()
        if target and not target.startswith("{") and (path.parent / target).is_file():
            return (path.parent / target).resolve()
    return path


def read_jsonl(path: Path) -> list[dict]:
    with resolve_link(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_pairs(path: Path) -> dict[str, set[str]]:
    pairs: dict[str, set[str]] = defaultdict(set)
    if not path.exists():
        return pairs
    with path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            is_pair = len(row) >= 2 and row[0] != "query-id"
            if is_pair and (len(row) < 3 or float(row[2]) > 0):
                pairs[row[0]].add(row[1])
    return pairs


def metrics(ranking: list[str], relevant: set[str]) -> dict[str, float]:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranking[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    rr = next((1 / (i + 1) for i, d in enumerate(ranking[:10]) if d in relevant), 0.0)
    return {
        "ndcg@10": dcg / ideal if ideal else 0.0,
        "recall@10": len(relevant & set(ranking[:10])) / len(relevant),
        "recall@100": len(relevant & set(ranking[:100])) / len(relevant),
        "mrr@10": rr,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--backend", default="local", choices=["local", "elasticsearch"])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--quantize", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries")
    parser.add_argument(
        "--tokens",
        default=None,
        choices=["words", "bigrams", "both"],
        help="lexical representation to measure (default: the product's)",
    )
    parser.add_argument(
        "--fusion",
        default="rrf",
        choices=["rrf", "score"],
        help="rrf = the product's reciprocal-rank fusion; score = min-max "
        "normalised score fusion, for comparison",
    )
    parser.add_argument(
        "--dense-weight",
        type=float,
        default=None,
        help="share of the dense list in the fusion (default: the product's)",
    )
    parser.add_argument("--no-field", action="store_true", help="leave out the field feature")
    parser.add_argument(
        "--field-weight",
        type=float,
        default=None,
        help="weight of the field feature (default: the product's, by query length)",
    )
    args = parser.parse_args()
    if args.tokens:
        text.set_lexical_mode(args.tokens)
    dense_weight = args.dense_weight  # None: the product's choice by query length

    corpus = read_jsonl(args.data / "corpus.jsonl")
    queries = read_jsonl(args.data / "queries.jsonl")
    if args.limit:
        queries = queries[: args.limit]
    qrels = read_pairs(args.data / "qrels.tsv")
    excluded = read_pairs(args.data / "exclude.tsv")
    embedder = CachedEmbedder(
        Embedder(args.model, cache_dir=CACHE, quantize=args.quantize),
        CACHE / "eval-embeddings.sqlite",
    )

    started = time.perf_counter()
    prepared = [prepare(ListingText(title=d.get("title") or "", body=[d["text"]])) for d in corpus]
    vectors = embedder.encode([p.text for p in prepared], batch_size=32)
    print(
        f"# corpus prepared and embedded in {time.perf_counter() - started:.0f}s", file=sys.stderr
    )

    fields = {d["id"]: (d.get("labels") or {}).get("discipline") or None for d in corpus}

    def field_bonus(doc: str, query: dict) -> float:
        """The matcher's field feature, on the data set's discipline labels."""
        if args.no_field:
            return 0.0
        checks = [
            compatibility.field_check(
                Achievement(field=fields.get(doc)), Need(field=query.get("discipline") or None)
            )
        ]
        weights = dict(scoring.weights_for(query["text"]))
        if args.field_weight is not None:
            weights["field"] = args.field_weight
        return compatibility.adjustment(checks, weights)

    with tempfile.TemporaryDirectory() as tmp:
        index = open_index(
            args.backend,
            model_id=embedder.model_id,
            dimension=embedder.dimension,
            local_path=Path(tmp) / "eval.sqlite",
            elasticsearch_url=os.environ.get("MATCHMAKER_TEST_ES_URL", "http://127.0.0.1:59200"),
            elasticsearch_prefix=f"mm-eval-{uuid.uuid4().hex[:8]}",
        )
        index.rebuild(
            IndexDocument(d["id"], "achievement", p.tokens, v, {"kind": "achievement"}, "")
            for d, p, v in zip(corpus, prepared, vectors, strict=True)
        )
        totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        started = time.perf_counter()
        for query in queries:
            relevant = qrels.get(query["id"], set())
            if not relevant:
                continue
            result = retrieve(
                index,
                embedder,
                query["text"],
                k=K + len(excluded.get(query["id"], ())),
                dense_weight=dense_weight,
            )
            if args.fusion == "score":
                weight = (
                    retrieval.dense_weight_for(query["text"])
                    if dense_weight is None
                    else dense_weight
                )
                fused = score_fusion([result.lexical, result.dense], [1 - weight, weight])
                base = {h.id: h.score for h in fused}
            else:
                base = {h.id: h.score / FUSED_MAX for h in result.fused}
            hybrid = sorted(base, key=lambda d: (-(base[d] + field_bonus(d, query)), d))
            systems = (
                ("lexical", [h.id for h in result.lexical]),
                ("dense", [h.id for h in result.dense]),
                ("hybrid", hybrid),
            )
            for system, hits in systems:
                ranking = [d for d in hits if d not in excluded.get(query["id"], set())]
                for name, value in metrics(ranking, relevant).items():
                    totals[system][name] += value
        count = sum(1 for q in queries if qrels.get(q["id"]))
        print(
            f"# {count} queries in {time.perf_counter() - started:.1f}s ({args.backend})",
            file=sys.stderr,
        )
        for system in ("lexical", "dense", "hybrid"):
            values = " ".join(
                f"{m}={totals[system][m] / count:.3f}"
                for m in ("ndcg@10", "recall@10", "recall@100", "mrr@10")
            )
            print(f"{system} {values}")
        if hasattr(index, "drop"):
            index.drop()


if __name__ == "__main__":
    main()
