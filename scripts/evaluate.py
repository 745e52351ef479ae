"""Retrieval quality on a labelled set, through the product's own indexer and retrieval code.

    python scripts/evaluate.py --data ../shared/eval/needs [--backend local|elasticsearch]

DIR holds corpus.jsonl, queries.jsonl, qrels.tsv and exclude.tsv. Prints one line per system:
`<system> ndcg@10=<x> recall@10=<x> recall@100=<x> mrr@10=<x>` for
- lexical, dense: each retriever alone;
- hybrid: the matcher's ranking, with the field as a person would pick it: the data set's
  discipline mapped onto the product's 12 fields (DISCIPLINE_FIELDS), never the fine label;
- hybrid-nofield: the same without any field;
- english: the hybrid line over the English queries only (when there are any);
then `calibration strong_recall=<x> strong_false=<x> proposed_recall=<x> proposed_false=<x>
auc=<x>`: every query is run as is and with its relevant documents removed from the candidates
(it then has no right answer). strong_recall / proposed_recall: share of queries whose right
answer is among the candidates the matcher would show (PROPOSALS_PER_LISTING) at the strong band /
at the proposal floor; strong_false / proposed_false: share of answer-removed runs that still
show a candidate at that level; auc: ROC AUC of the best shown probability, as-is runs against
answer-removed runs.
Document embeddings are cached on disk (keyed by model and text), so a re-run takes seconds.
`--experts` adds an `experts ...` line (need → expert, issue 22): synthetic experts are built from
the corpus (synthetic_experts: abstracts of one discipline grouped with their nearest neighbours,
3–8 each, deterministic), indexed as the product indexes experts (search/documents.expert_text:
the abstracts as representative achievements), retrieved and ordered as experts_for_need orders
them (fused candidates by relevance probability); an expert is relevant to a need when one of its
abstracts is the need's source. `shown_recall@10`: the right expert among the top 10 at the
medium band or above (what a need page shows). `--expert-docs N` builds experts from the queries'
source abstracts plus the first N others by id (a sample: keeps the run short).

`--adapt` first adapts the model to the corpus texts (issue 23: the product's own job,
matchmaker/adaptation/pipeline.py; no query or label is used), prints its self-check as `# `
lines, then the usual lines for the adapted model. The adapted model is kept under the model
cache (keyed by corpus and recipe), so a second run, e.g. on the other set over the same corpus,
trains nothing.
`--dump-pairs FILE` writes every candidate's relevance features for scripts/fit_relevance.py.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import hashlib
import json
import math
import os
import resource
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer import bilingual, text  # noqa: E402
from indexer.adaptation import Recipe, split_held_out  # noqa: E402
from indexer.backends import IndexDocument, open_index  # noqa: E402
from indexer.documents import ListingText, prepare  # noqa: E402
from indexer.embedder import DEFAULT_MODEL, E5_PREFIX, Embedder, resolve_model_path  # noqa: E402
from indexer.embedding_cache import CachedEmbedder  # noqa: E402
from matchmaker.adaptation import cosine_map, pipeline, selfcheck  # noqa: E402
from matchmaker.matching import compatibility, scoring  # noqa: E402
from matchmaker.matching.operations import PROPOSALS_PER_LISTING  # noqa: E402
from matchmaker.matching.ranker import FUSED_MAX  # noqa: E402
from matchmaker.models import Achievement, Need  # noqa: E402
from matchmaker.search import relevance, retrieval  # noqa: E402
from matchmaker.search.fusion import score_fusion  # noqa: E402
from matchmaker.search.retrieval import retrieve  # noqa: E402

CACHE = Path(os.environ.get("MATCHMAKER_MODEL_CACHE_DIR", Path.home() / ".cache" / "matchmaker"))
K = 100

# The data sets' disciplines (CSL's, about 67) as a person filling in the form would pick among
# the product's 12 fields (matchmaker/taxonomy.py). Disciplines with no fitting field are
# "other", which the field check treats as unknown (no bonus, no penalty), like an empty field.
DISCIPLINE_FIELDS = {
    "材料科学与工程": "new_materials",
    "冶金工程": "new_materials",
    "纺织科学与工程": "new_materials",
    "化学/化学工程与技术": "new_materials",
    "机械工程": "smart_manufacturing",
    "控制科学与工程": "smart_manufacturing",
    "计算机科学与技术": "electronics",
    "信息与通信工程": "electronics",
    "电子科学与技术": "electronics",
    "光学工程": "electronics",
    "电气工程": "new_energy",
    "核科学与技术": "new_energy",
    "动力工程及工程热物理": "energy_saving",
    "环境科学与工程": "energy_saving",
    "航空宇航科学与技术": "aerospace",
    "兵器科学与技术": "aerospace",
    "船舶与海洋工程": "marine",
    "海洋科学": "marine",
    "食品科学与工程": "modern_agriculture",
    "农业工程": "modern_agriculture",
    "园艺学": "modern_agriculture",
    "作物学": "modern_agriculture",
    "水产": "modern_agriculture",
    "林学/林业工程": "modern_agriculture",
    "畜牧学/兽医学": "modern_agriculture",
    "农业资源利用": "modern_agriculture",
    "植物保护": "modern_agriculture",
    "中医学/中药学": "biomedicine",
    "基础医学/临床医学": "biomedicine",
    "药学": "biomedicine",
    "口腔医学": "biomedicine",
    "公共卫生与预防医学": "biomedicine",
    "生物学/生物科学与工程": "biomedicine",
}


def product_field(discipline: str | None) -> str | None:
    """The product field of a data-set discipline; None when the data set has none."""
    if not discipline:
        return None
    return DISCIPLINE_FIELDS.get(discipline, "other")


def roc_auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    ordered = sorted(negatives)
    total = 0.0
    for value in positives:
        below = bisect.bisect_left(ordered, value)
        ties = bisect.bisect_right(ordered, value) - below
        total += below + ties / 2
    return total / (len(positives) * len(negatives))


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


def ranked(
    base: dict[str, float], prob: dict[str, float], adjust: dict[str, float], weight: float
) -> list[str]:
    """The matcher's order (scoring.rank_value) of the candidates."""
    value = {d: scoring.rank_value(base[d], prob[d], adjust[d], weight) for d in base}
    return sorted(base, key=lambda d: (-value[d], d))


class Calibrating:
    """The calibration line: each query as is and with its relevant documents removed."""

    def __init__(self) -> None:
        self.queries = 0
        self.strong_recall = 0
        self.proposed_recall = 0
        self.strong_false = 0
        self.proposed_false = 0
        self.top_as_is: list[float] = []
        self.top_removed: list[float] = []

    def add(
        self,
        shown: list[str],
        relevant: set[str],
        prob: dict[str, float],
        scores: dict[str, float],
        model: relevance.Calibration,
    ) -> None:
        as_is = shown[:PROPOSALS_PER_LISTING]
        removed = [d for d in shown if d not in relevant][:PROPOSALS_PER_LISTING]

        def proposed(docs: list[str]) -> list[str]:
            return [d for d in docs if relevance.proposable(prob[d], scores[d], model)]

        right = [d for d in proposed(as_is) if d in relevant]
        others = proposed(removed)
        self.queries += 1
        self.strong_recall += any(scores[d] >= model.strong for d in right)
        self.proposed_recall += bool(right)
        self.strong_false += any(scores[d] >= model.strong for d in others)
        self.proposed_false += bool(others)
        self.top_as_is.append(max((scores[d] for d in as_is), default=0.0))
        self.top_removed.append(max((scores[d] for d in removed), default=0.0))

    def line(self) -> str:
        n = self.queries or 1
        auc = roc_auc(self.top_as_is, self.top_removed)
        return (
            f"calibration strong_recall={self.strong_recall / n:.3f} "
            f"strong_false={self.strong_false / n:.3f} "
            f"proposed_recall={self.proposed_recall / n:.3f} "
            f"proposed_false={self.proposed_false / n:.3f} auc={auc:.3f}"
        )


def synthetic_experts(
    docs: list[str],
    disciplines: dict[str, str | None],
    vectors: dict[str, np.ndarray],
    size: int = 5,
) -> list[list[str]]:
    """Deterministic synthetic experts: per discipline (docs by id), the first unassigned abstract
    and its size-1 nearest unassigned neighbours (cosine); a remainder under 3 joins the
    discipline's last expert (up to 8 abstracts), so every expert has 3–8."""
    import numpy as np

    by_discipline: dict[str, list[str]] = defaultdict(list)
    for doc in sorted(docs):
        by_discipline[disciplines.get(doc) or "?"].append(doc)
    experts: list[list[str]] = []
    for discipline in sorted(by_discipline):
        members = by_discipline[discipline]
        matrix = np.stack([vectors[d] for d in members]).astype(np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
        free = np.ones(len(members), dtype=bool)
        own: list[list[str]] = []
        for seed in range(len(members)):
            if not free[seed]:
                continue
            free[seed] = False
            similarity = matrix @ matrix[seed]
            similarity[~free] = -np.inf
            order = [int(i) for i in np.argsort(-similarity, kind="stable")[: size - 1]]
            chosen = [i for i in order if free[i]]
            free[chosen] = False
            group = [members[seed], *(members[i] for i in chosen)]
            if len(group) < 3 and own and len(own[-1]) + len(group) <= 8:
                own[-1].extend(group)
            else:
                own.append(group)
        experts.extend(own)
    return experts


def expert_line(
    args: argparse.Namespace,
    corpus: list[dict],
    queries: list[dict],
    qrels: dict[str, set[str]],
    doc_vectors: dict,
    embedder: CachedEmbedder,
    model: relevance.Calibration,
) -> str:
    """need → expert retrieval with the product's expert documents and ordering."""
    from matchmaker.models import ExpertProfile
    from matchmaker.search.documents import expert_text

    sources = {d for q in queries for d in qrels.get(q["id"], set())}
    others = sorted(d["id"] for d in corpus if d["id"] not in sources)[: args.expert_docs]
    pool = sources | set(others)
    by_id = {d["id"]: d for d in corpus}
    disciplines = {d: (by_id[d].get("labels") or {}).get("discipline") for d in pool}
    groups = synthetic_experts(sorted(pool), disciplines, doc_vectors)
    texts = []
    for members in groups:
        profile = ExpertProfile(directions="", fields=[])
        achievements = [
            Achievement(title=by_id[d].get("title") or "", summary=by_id[d]["text"], description="")
            for d in members
        ]
        texts.append(expert_text(profile, achievements))
    prepared_experts = [prepare(t) for t in texts]
    started = time.perf_counter()
    vectors = embedder.encode([p.text for p in prepared_experts], batch_size=16)
    print(
        f"# {len(groups)} synthetic experts from {len(pool)} abstracts embedded in "
        f"{time.perf_counter() - started:.0f}s",
        file=sys.stderr,
    )
    expert_of: dict[str, set[str]] = defaultdict(set)
    for number, members in enumerate(groups):
        for d in members:
            expert_of[d].add(f"E{number}")
    expert_texts = {f"E{i}": p.text for i, p in enumerate(prepared_experts)}
    expert_vectors = {f"E{i}": v for i, v in enumerate(vectors)}
    totals: dict[str, float] = defaultdict(float)
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        index = open_index(
            args.backend,
            model_id=embedder.model_id,
            dimension=embedder.dimension,
            local_path=Path(tmp) / "experts.sqlite",
            elasticsearch_url=os.environ.get("MATCHMAKER_TEST_ES_URL", "http://127.0.0.1:59200"),
            elasticsearch_prefix=f"mm-eval-experts-{uuid.uuid4().hex[:8]}",
        )
        index.rebuild(
            IndexDocument(f"E{i}", "expert", p.tokens, v, {"kind": "expert"}, "")
            for i, (p, v) in enumerate(zip(prepared_experts, vectors, strict=True))
        )
        for query in queries:
            relevant = set().union(*(expert_of[d] for d in qrels.get(query["id"], set())))
            if not relevant:
                continue
            result = retrieve(index, embedder, query["text"], filters={"kind": "expert"}, k=K)
            prob = {
                h.id: relevance.probability(
                    query["text"],
                    expert_texts[h.id],
                    result.query_vector,
                    expert_vectors[h.id],
                    model,
                )
                for h in result.fused
            }
            # experts_for_need: the fused candidates ordered by their relevance probability
            ranking = sorted(prob, key=lambda d: (-prob[d], d))
            count += 1
            for name, value in metrics(ranking, relevant).items():
                totals[name] += value
            shown = [d for d in ranking[:10] if scoring.strength(prob[d]) in ("high", "medium")]
            totals["shown_recall@10"] += bool(relevant & set(shown))
        if hasattr(index, "drop"):
            index.drop()
    n = count or 1
    values = " ".join(
        f"{m}={totals[m] / n:.3f}"
        for m in ("ndcg@10", "recall@10", "recall@100", "mrr@10", "shown_recall@10")
    )
    return f"experts {values} experts={len(groups)} queries={count}"


def adapted(
    args: argparse.Namespace, corpus: list[dict], current: CachedEmbedder, recipe: Recipe
) -> tuple[CachedEmbedder, Path]:
    """The product's adaptation job on the corpus texts; returns the adapted model's embedder
    and directory (which holds its cosine map, matchmaker/adaptation/cosine_map.py)."""
    key = hashlib.sha1(
        json.dumps([args.model, sorted(d["id"] for d in corpus), recipe.as_dict()]).encode()
    ).hexdigest()[:10]
    target = CACHE / "adapted" / f"eval-adapted-{key}"

    def encoder_for(path: Path) -> Embedder:
        return Embedder(
            str(path), cache_dir=CACHE, quantize=args.quantize, precision=args.precision
        )

    documents = [pipeline.Document(d["id"], d.get("title") or "", [d["text"]]) for d in corpus]
    if not target.is_dir():
        started = time.perf_counter()

        def progress(step: int, steps: int) -> None:
            elapsed = time.perf_counter() - started
            print(f"# adapting: step {step}/{steps} ({elapsed:.0f}s)", file=sys.stderr, flush=True)

        target.parent.mkdir(parents=True, exist_ok=True)
        outcome = pipeline.adapt(
            documents,
            source=Path(resolve_model_path(args.model, CACHE / "models")),
            target=target,
            prefix=E5_PREFIX,
            current=current.encode,
            encoder_for=lambda path: encoder_for(path).encode,
            recipe=recipe,
            progress=progress,
            keep_refused=True,
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"# adaptation {json.dumps(outcome.as_dict())}", file=sys.stderr)
        print(
            f"# adaptation took {time.perf_counter() - started:.0f}s, peak memory {peak:.0f} MB",
            file=sys.stderr,
        )
    else:
        print(f"# adapted model {target} already built", file=sys.stderr)
    if relevance.read_cosine_map(target) is None:  # a model built before maps existed
        pairs = pipeline.build_pairs(documents)
        held = split_held_out(pairs, pipeline.HELD_OUT_SHARE, recipe.seed)[1]
        found = cosine_map.fit_and_store(
            target,
            pipeline.remembering(current.encode),
            pipeline.remembering(encoder_for(target).encode),
            [selfcheck.held_out_texts(held)[:2], selfcheck.demo_texts()[:2]],
            None,
        )
        print(f"# cosine map {json.dumps(found)}", file=sys.stderr)
    return CachedEmbedder(encoder_for(target), CACHE / "eval-embeddings.sqlite"), target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--backend", default="local", choices=["local", "elasticsearch"])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--quantize", action="store_true", help="same as --precision int8")
    parser.add_argument("--precision", choices=("fp32", "int8", "bf16"), default=None)
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
    parser.add_argument(
        "--no-field", action="store_true", help="leave out the field feature in the hybrid line"
    )
    parser.add_argument(
        "--rank-relevance",
        type=float,
        default=None,
        help="weight of the relevance probability in the order (default: the product's)",
    )
    parser.add_argument(
        "--calibration",
        type=Path,
        default=None,
        help="relevance calibration JSON (default: the one shipped in the package)",
    )
    parser.add_argument(
        "--dump-pairs", type=Path, default=None, help="write candidate features (JSON lines)"
    )
    parser.add_argument(
        "--field-weight",
        type=float,
        default=None,
        help="weight of the field feature (default: the product's, by query length)",
    )
    parser.add_argument("--experts", action="store_true", help="add the need → expert line")
    parser.add_argument(
        "--expert-docs",
        type=int,
        default=3000,
        help="abstracts besides the queries' sources that synthetic experts are built from",
    )
    parser.add_argument(
        "--adapt", action="store_true", help="adapt the model to the corpus texts first"
    )
    parser.add_argument(
        "--raw-cosines",
        action="store_true",
        help="with --adapt: score the adapted model's cosines without its cosine map",
    )
    parser.add_argument("--adapt-steps", type=int, default=Recipe.steps)
    parser.add_argument("--adapt-lr", type=float, default=Recipe.learning_rate)
    parser.add_argument("--adapt-seq", type=int, default=Recipe.max_seq_length)
    args = parser.parse_args()
    if args.tokens:
        text.set_lexical_mode(args.tokens)
    if args.rank_relevance is not None:
        scoring.RELEVANCE_IN_RANK = args.rank_relevance
    dense_weight = args.dense_weight  # None: the product's choice by query length

    corpus = read_jsonl(args.data / "corpus.jsonl")
    queries = read_jsonl(args.data / "queries.jsonl")
    if args.limit:
        queries = queries[: args.limit]
    qrels = read_pairs(args.data / "qrels.tsv")
    excluded = read_pairs(args.data / "exclude.tsv")
    embedder = CachedEmbedder(
        Embedder(args.model, cache_dir=CACHE, quantize=args.quantize, precision=args.precision),
        CACHE / "eval-embeddings.sqlite",
    )

    adapted_dir: Path | None = None
    if args.adapt:
        recipe = Recipe(
            steps=args.adapt_steps, learning_rate=args.adapt_lr, max_seq_length=args.adapt_seq
        )
        embedder, adapted_dir = adapted(args, corpus, embedder, recipe)

    started = time.perf_counter()
    prepared = [prepare(ListingText(title=d.get("title") or "", body=[d["text"]])) for d in corpus]
    vectors = embedder.encode([p.text for p in prepared], batch_size=32)
    print(
        f"# corpus prepared and embedded in {time.perf_counter() - started:.0f}s", file=sys.stderr
    )

    fields = {d["id"]: product_field((d.get("labels") or {}).get("discipline")) for d in corpus}
    texts = {d["id"]: p.text for d, p in zip(corpus, prepared, strict=True)}
    doc_vectors = dict(zip((d["id"] for d in corpus), vectors, strict=True))

    model = relevance.load(args.calibration) if args.calibration else relevance.calibration()
    mapped = relevance.read_cosine_map(adapted_dir) if adapted_dir else None
    if mapped and not args.raw_cosines:  # as the product scores the adapted model's pairs
        model = model.with_cosine_map(*mapped)
    profiles: dict[str, relevance.Profile] = {}

    def profile_of(doc: str) -> relevance.Profile:
        found = profiles.get(doc)
        if found is None:
            found = profiles[doc] = relevance.profile_uncached(texts[doc])
        return found

    def field_bonus(doc: str, query: dict) -> float:
        """The matcher's field feature, on the product fields of the data set's disciplines."""
        checks = [
            compatibility.field_check(
                Achievement(field=fields.get(doc)),
                Need(field=product_field(query.get("discipline"))),
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
        counts: dict[str, int] = defaultdict(int)
        calibration = Calibrating()
        dump = args.dump_pairs.open("w", encoding="utf-8") if args.dump_pairs else None
        started = time.perf_counter()
        for query in queries:
            relevant = qrels.get(query["id"], set())
            if not relevant:
                continue
            dropped = excluded.get(query["id"], set())
            result = retrieve(
                index,
                embedder,
                query["text"],
                k=K + len(dropped),
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
            need = relevance.profile(query["text"])
            found = {
                d: relevance.pair_features(need, profile_of(d), result.query_vector, doc_vectors[d])
                for d in base
            }
            prob = {d: model.probability(f) for d, f in found.items()}
            bonus = {d: 0.0 if args.no_field else field_bonus(d, query) for d in base}

            weight = scoring.relevance_weight_for(query["text"])
            hybrid = ranked(base, prob, bonus, weight)
            systems = [
                ("lexical", [h.id for h in result.lexical]),
                ("dense", [h.id for h in result.dense]),
                ("hybrid", hybrid),
                ("hybrid-nofield", ranked(base, prob, dict.fromkeys(base, 0.0), weight)),
            ]
            if bilingual.is_english(query["text"]):
                systems.append(("english", hybrid))
            for system, hits in systems:
                ranking = [d for d in hits if d not in dropped]
                counts[system] += 1
                for name, value in metrics(ranking, relevant).items():
                    totals[system][name] += value
            shown = [d for d in hybrid if d not in dropped]
            scores = {d: relevance.adjust(prob[d], bonus[d], model) for d in base}
            calibration.add(shown, relevant, prob, scores, model)
            if dump:
                position = {d: i for i, d in enumerate(shown)}
                for d in shown:
                    row = {
                        "query": query["id"],
                        "doc": d,
                        "label": int(d in relevant),
                        "rank": position[d],
                        "retrieval": round(base[d], 6),
                        "field": round(bonus[d], 4),
                        "english": int(bilingual.is_english(query["text"])),
                        **{k: round(v, 6) for k, v in found[d].items()},
                    }
                    dump.write(json.dumps(row) + "\n")
        if dump:
            dump.close()
        count = sum(1 for q in queries if qrels.get(q["id"]))
        print(
            f"# {count} queries in {time.perf_counter() - started:.1f}s ({args.backend})",
            file=sys.stderr,
        )
        for system in ("lexical", "dense", "hybrid", "hybrid-nofield", "english"):
            if not counts[system]:
                continue
            values = " ".join(
                f"{m}={totals[system][m] / counts[system]:.3f}"
                for m in ("ndcg@10", "recall@10", "recall@100", "mrr@10")
            )
            print(f"{system} {values}")
        print(calibration.line())
        if hasattr(index, "drop"):
            index.drop()
    if args.experts:
        print(expert_line(args, corpus, queries, qrels, doc_vectors, embedder, model))


if __name__ == "__main__":
    main()
