"""Precision and recall of the near-duplicate detector on a generated, labelled set of pairs.

    python scripts/evaluate_duplicates.py [--data ../shared/eval/csl] [--csl 300] [--seed 7]

Positives: each source text (demo achievements and needs, CSL abstracts) against a copy of
itself that was lightly edited (synonyms, punctuation, a number changed, a sentence added) or
paraphrased harder (sentences reordered, one dropped, many synonyms, boilerplate added).
Negatives: different works on the same topic — CSL abstracts that answer the same query
(qrels: shared author keywords), CSL abstracts of the same discipline, demo achievements of
the same field, and the demo's need ↔ achievement pairs (same problem, different texts).
Scores come from matchmaker/duplicates/similarity.py, the code the site runs.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.documents import ListingText, prepare  # noqa: E402
from indexer.embedder import DEFAULT_MODEL, Embedder  # noqa: E402
from indexer.embedding_cache import CachedEmbedder  # noqa: E402
from matchmaker.duplicates import similarity as near_duplicates  # noqa: E402

CACHE = Path.home() / ".cache" / "matchmaker"
DEMO = ROOT / "matchmaker" / "demo" / "data"

SYNONYMS = {
    "采用": "使用",
    "提出": "给出",
    "方法": "方案",
    "研究": "探究",
    "表明": "显示",
    "提高": "提升",
    "降低": "减少",
    "具有": "拥有",
    "分析": "剖析",
    "基于": "依托",
    "实现": "达成",
    "显著": "明显",
    "有效": "切实",
    "进行": "开展",
    "通过": "借助",
    "系统": "体系",
    "问题": "难题",
    "技术": "工艺",
    "应用": "运用",
    "影响": "作用",
    "主要": "重要",
    "目前": "当前",
    "需要": "需求",
    "能够": "可以",
    "利用": "运用",
    "建立": "构建",
    "结果": "结论",
    "发现": "找到",
    "优化": "改进",
    "设计": "规划",
}
BOILERPLATE = [
    "本项目已申请发明专利，欢迎洽谈合作。",
    "相关成果已在多家企业试用，反馈良好。",
    "如需了解详情，请与科协工作人员联系。",
    "该技术可根据企业需求进行定制开发。",
]
_SENTENCE = re.compile(r"(?<=[。！？；.!?;])")


@dataclass
class Pair:
    a: str
    b: str
    duplicate: bool
    source: str


def sentences(value: str) -> list[str]:
    return [s for s in _SENTENCE.split(value) if s.strip()]


def substitute(value: str, rng: random.Random, share: float) -> str:
    for word, other in SYNONYMS.items():
        if word in value and rng.random() < share:
            value = value.replace(word, other)
    return value


def light_edit(value: str, rng: random.Random) -> str:
    """A copy someone retyped: a few words swapped, punctuation and one number changed."""
    value = substitute(value, rng, 0.3)
    value = value.replace("，", ",", rng.randint(0, 3))
    digits = [m.start() for m in re.finditer(r"\d", value)]
    if digits:
        at = rng.choice(digits)
        value = value[:at] + str((int(value[at]) + 1) % 10) + value[at + 1 :]
    if rng.random() < 0.5:
        value += rng.choice(BOILERPLATE)
    return value


def paraphrase(value: str, rng: random.Random) -> str:
    """A harder rewrite: sentences reordered, one dropped, most synonyms swapped, boilerplate."""
    parts = sentences(value)
    if len(parts) > 3:
        parts.pop(rng.randrange(1, len(parts)))
    head, tail = parts[:1], parts[1:]
    rng.shuffle(tail)
    rewritten = substitute("".join(head + tail), rng, 0.8)
    return rewritten + rng.choice(BOILERPLATE)


def rewrite(value: str, rng: random.Random) -> str:
    """The hardest: only about half of the sentences kept, reordered, synonyms everywhere."""
    parts = sentences(value)
    kept = [s for i, s in enumerate(parts) if i == 0 or rng.random() < 0.5]
    rng.shuffle(kept)
    return substitute("".join(kept), rng, 1.0) + rng.choice(BOILERPLATE)


EDITS = (light_edit, paraphrase, rewrite)


def demo_texts() -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """(key, field, text) of every demo listing, and key → text."""
    rows: list[tuple[str, str, str]] = []
    for name in ("achievements", "needs"):
        for item in json.loads((DEMO / f"{name}.json").read_text("utf-8")):
            body = [item.get("summary", ""), item.get("description", "")]
            body += [item.get("current_approach", ""), item.get("desired_outcome", "")]
            value = "\n".join([item["title"], *[b for b in body if b]])
            rows.append((item["key"], item.get("field", ""), value))
    return rows, {key: value for key, _field, value in rows}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def build_pairs(data: Path, csl_count: int, rng: random.Random) -> list[Pair]:
    pairs: list[Pair] = []
    rows, by_key = demo_texts()
    for _key, _field, value in rows:
        edit = rng.choice(EDITS)
        pairs.append(Pair(value, edit(value, rng), True, f"demo-{edit.__name__}"))
    by_field: dict[str, list[str]] = defaultdict(list)
    for key, field, value in rows:
        if key.startswith("a_"):
            by_field[field].append(value)
    for values in by_field.values():
        for i in range(len(values) - 1):
            pairs.append(Pair(values[i], values[i + 1], False, "demo-same-field"))
    for link in json.loads((DEMO / "pairs.json").read_text("utf-8")):
        if link["need"] in by_key and link["achievement"] in by_key:
            pairs.append(
                Pair(by_key[link["need"]], by_key[link["achievement"]], False, "demo-need-vs-ach")
            )

    corpus = {d["id"]: d for d in read_jsonl(data / "corpus.jsonl")}
    relevant: dict[str, list[str]] = defaultdict(list)
    for line in (data / "qrels.tsv").read_text("utf-8").splitlines()[1:]:
        query, doc, _score = line.split("\t")
        relevant[query].append(doc)
    groups = [docs for docs in relevant.values() if len(docs) >= 2]
    rng.shuffle(groups)
    for docs in groups[:csl_count]:
        first, second = docs[0], docs[1]
        source = corpus[first]["text"]
        edit = rng.choice(EDITS)
        pairs.append(Pair(source, edit(source, rng), True, f"csl-{edit.__name__}"))
        pairs.append(Pair(source, corpus[second]["text"], False, "csl-same-keywords"))
    by_discipline: dict[str, list[str]] = defaultdict(list)
    for doc in corpus.values():
        discipline = (doc.get("labels") or {}).get("discipline")
        if discipline:
            by_discipline[discipline].append(doc["text"])
    disciplines = sorted(by_discipline)
    for _ in range(csl_count):
        values = by_discipline[rng.choice(disciplines)]
        if len(values) >= 2:
            a, b = rng.sample(values, 2)
            pairs.append(Pair(a, b, False, "csl-same-discipline"))
    return pairs


def embed(pairs: list[Pair], model: str) -> dict[str, object]:
    embedder = CachedEmbedder(
        Embedder(model, cache_dir=CACHE), CACHE / "duplicate-eval-embeddings.sqlite"
    )
    texts = sorted({t for p in pairs for t in (p.a, p.b)})
    composed = [prepare(ListingText(title="", body=[t])).text for t in texts]
    vectors = embedder.encode(composed, batch_size=32)
    return dict(zip(texts, vectors, strict=True))


def precision_recall(scored: list[tuple[float, bool]], threshold: float) -> tuple[float, float]:
    tp = sum(1 for score, dup in scored if score >= threshold and dup)
    fp = sum(1 for score, dup in scored if score >= threshold and not dup)
    fn = sum(1 for score, dup in scored if score < threshold and dup)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval" / "csl")
    parser.add_argument("--csl", type=int, default=300, help="CSL topics to sample")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--lexical-only", action="store_true", help="leave the embeddings out")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pairs = build_pairs(args.data, args.csl, rng)
    positives = sum(p.duplicate for p in pairs)
    print(f"pairs={len(pairs)} positives={positives} negatives={len(pairs) - positives}")
    started = time.perf_counter()
    vectors = {} if args.lexical_only else embed(pairs, args.model)
    print(f"# embedded in {time.perf_counter() - started:.0f}s", file=sys.stderr)

    results = [
        (near_duplicates.compare(p.a, p.b, vectors.get(p.a), vectors.get(p.b)), p) for p in pairs
    ]
    scored = [(sim.score, p.duplicate) for sim, p in results]
    threshold = near_duplicates.THRESHOLD
    precision, recall = precision_recall(scored, threshold)
    print(f"chosen threshold={threshold:.2f} precision={precision:.3f} recall={recall:.3f}")
    print("sweep:")
    for step in range(30, 85, 5):
        t = step / 100
        p, r = precision_recall(scored, t)
        print(f"  threshold={t:.2f} precision={p:.3f} recall={r:.3f}")
    print("by source at the chosen threshold (share flagged as duplicate):")
    by_source: dict[str, list[bool]] = defaultdict(list)
    for sim, p in results:
        by_source[p.source].append(sim.score >= threshold)
    for source, flags in sorted(by_source.items()):
        print(f"  {source:24s} n={len(flags):4d} flagged={sum(flags) / len(flags):.3f}")
    misses = sorted(
        ((sim.score, p.source) for sim, p in results if p.duplicate and sim.score < threshold)
    )[:5]
    negatives = sorted((sim.score, p.source) for sim, p in results if not p.duplicate)
    print("highest-scoring negatives:", [(round(s, 3), src) for s, src in negatives[-5:]])
    print("lowest-scoring positives:", [(round(s, 3), src) for s, src in misses])
    for sim, p in results:
        if not p.duplicate and sim.score >= threshold:
            print(f"  false positive {p.source} score={sim.score:.3f}: {p.a[:40]} | {p.b[:40]}")


if __name__ == "__main__":
    main()
