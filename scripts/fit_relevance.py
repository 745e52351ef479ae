"""Refit the relevance calibration (matchmaker/search/data/relevance.json) from labelled pairs.

    python scripts/evaluate.py --data ../shared/eval/needs --dump-pairs /tmp/needs-pairs.jsonl
    python scripts/fit_relevance.py /tmp/needs-pairs.jsonl [--write]

Labelled pairs come from
- the dump of a known-item evaluation set (scripts/evaluate.py --dump-pairs): each query's
  relevant document is a positive, the other candidates the matcher would show
  (service.PROPOSALS_PER_LISTING) are negatives;
- the demo's labelled pairs (matchmaker/demo/data/pairs.json): "true" positive, "near_miss"
  negative (embedded here with the product's model);
- optionally staff decisions exported as JSON lines {"need": text, "achievement": text,
  "label": 0|1} (--decisions), once there are enough of them.

A logistic regression (L2, Newton's method) over relevance.FEATURES gives the model. The band
thresholds are then read off the dump the way scripts/evaluate.py measures them: `strong` is the
lowest probability at which at most --strong-false of the answer-removed runs still show a
strong candidate (and above every demo near miss); `floor` the highest at which at least
--proposed-recall of the right answers are still proposed; `medium` halfway between in log-odds.
Prints the fit, the thresholds and the calibration numbers; --write stores the JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaker.matching.operations import PROPOSALS_PER_LISTING  # noqa: E402
from matchmaker.search import relevance  # noqa: E402


def fit_logistic(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray, l2: float = 1.0, steps: int = 50
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression by Newton's method; the intercept is not penalised."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(design @ beta)))
        gradient = design.T @ (weights * (y - p)) - penalty * beta
        curvature = (design * (weights * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(curvature, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta[1:], float(beta[0])


def read_dump(path: Path) -> dict[str, list[dict]]:
    by_query: dict[str, list[dict]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                by_query[row["query"]].append(row)
    for rows in by_query.values():
        rows.sort(key=lambda r: r["rank"])
    return by_query


def demo_pairs(model_name: str | None) -> list[tuple[dict[str, float], int]]:
    """Features of the demo's labelled pairs, embedded with the product's model."""
    import os

    from indexer.embedder import DEFAULT_MODEL, Embedder
    from matchmaker.demo.loader import read
    from matchmaker.models import Achievement, Need
    from matchmaker.search.documents import listing_text, prepared

    def need_of(row: dict) -> Need:
        return Need(
            title=row["title"],
            description=row.get("description"),
            current_approach=row.get("current_approach"),
            desired_outcome=row.get("desired_outcome"),
            keywords=row.get("keywords") or [],
            field=row.get("field"),
        )

    def achievement_of(row: dict) -> Achievement:
        return Achievement(
            title=row["title"],
            summary=row.get("summary"),
            description=row.get("description"),
            keywords=row.get("keywords") or [],
            field=row.get("field"),
        )

    needs = {row["key"]: need_of(row) for row in read("needs.json")}
    achievements = {row["key"]: achievement_of(row) for row in read("achievements.json")}
    cache = Path(os.environ.get("MATCHMAKER_MODEL_CACHE_DIR", Path.home() / ".cache/matchmaker"))
    embedder = Embedder(model_name or DEFAULT_MODEL, cache_dir=cache)
    rows = []
    pairs = read("pairs.json")
    texts = {}
    for pair in pairs:
        for key, table in (("need", needs), ("achievement", achievements)):
            listing = table[pair[key]]
            texts[(key, pair[key])] = (listing_text(listing).compose(), prepared(listing).text)
    keys = list(texts)
    vectors = embedder.encode([texts[k][1] for k in keys])
    vector_of = dict(zip(keys, vectors, strict=True))
    for pair in pairs:
        need, achievement = ("need", pair["need"]), ("achievement", pair["achievement"])
        found = relevance.features(
            texts[need][0], texts[achievement][0], vector_of[need], vector_of[achievement]
        )
        rows.append((found, int(pair["kind"] == "true")))
    return rows


def calibration_numbers(
    by_query: dict[str, list[dict]], model: relevance.Calibration
) -> dict[str, float]:
    """The calibration line of scripts/evaluate.py, from a dump."""
    n = len(by_query)
    counts = defaultdict(float)
    top_as_is, top_removed = [], []
    for rows in by_query.values():
        scored = []
        for row in rows:
            p = model.probability(row)
            score = relevance.adjust(p, row["field"], model)
            if p < model.floor:
                score = min(score, p)
            scored.append((row["label"], score))
        as_is = scored[:PROPOSALS_PER_LISTING]
        removed = [s for s in scored if not s[0]][:PROPOSALS_PER_LISTING]
        right = [s for label, s in as_is if label and s >= model.floor]
        others = [s for _, s in removed if s >= model.floor]
        counts["strong_recall"] += any(s >= model.strong for s in right)
        counts["proposed_recall"] += bool(right)
        counts["strong_false"] += any(s >= model.strong for s in others)
        counts["proposed_false"] += bool(others)
        top_as_is.append(max((s for _, s in as_is), default=0.0))
        top_removed.append(max((s for _, s in removed), default=0.0))
    result = {k: v / n for k, v in counts.items()}
    wins = sum((a > b) + 0.5 * (a == b) for a in top_as_is for b in top_removed)
    result["auc"] = wins / (len(top_as_is) * len(top_removed))
    return result


def with_bands(
    model: relevance.Calibration, strong: float, medium: float, floor: float
) -> relevance.Calibration:
    data = model.to_dict()
    data["bands"] = {"strong": strong, "medium": medium, "floor": floor}
    return relevance.Calibration.from_dict(data)


def choose_bands(
    by_query: dict[str, list[dict]],
    model: relevance.Calibration,
    strong_false: float,
    proposed_recall: float,
    above: float,
) -> tuple[float, float, float]:
    grid = [round(0.01 * i, 2) for i in range(1, 100)]
    # proposal floor: the highest at which enough right answers are still proposed
    floor = grid[0]
    for t in grid:
        probe = with_bands(model, 0.99, 0.99, t)
        if calibration_numbers(by_query, probe)["proposed_recall"] >= proposed_recall:
            floor = t
    # strong: the lowest above the floor (and above every demo near miss) with few false strong
    strong = 0.99
    for t in grid:
        if t <= max(floor, above):
            continue
        probe = with_bands(model, t, t, floor)
        if calibration_numbers(by_query, probe)["strong_false"] <= strong_false:
            strong = t
            break
    medium = 1 / (1 + math.exp(-(_logit(floor) + _logit(strong)) / 2))
    return strong, round(medium, 2), floor


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dumps", nargs="+", type=Path, help="evaluate.py --dump-pairs files")
    parser.add_argument("--decisions", type=Path, default=None)
    parser.add_argument("--features", default=",".join(relevance.FEATURES))
    parser.add_argument("--l2", type=float, default=0.001)
    parser.add_argument("--demo-weight", type=float, default=1.0)
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--strong-false", type=float, default=0.10)
    parser.add_argument("--proposed-recall", type=float, default=0.92)
    parser.add_argument("--model", default=None, help="embedding model for the demo pairs")
    parser.add_argument(
        "--strong-above-near-misses",
        action="store_true",
        help="put the strong threshold above every demo near miss",
    )
    parser.add_argument("--write", action="store_true", help="store the fit in the package")
    args = parser.parse_args()
    names = tuple(args.features.split(","))

    rows: list[dict[str, float]] = []
    labels: list[int] = []
    weights: list[float] = []
    queries: dict[str, list[dict]] = {}
    for path in args.dumps:
        by_query = read_dump(path)
        queries.update({f"{path.name}:{q}": r for q, r in by_query.items()})
        for query_rows in by_query.values():
            for row in query_rows:
                if row["label"] or row["rank"] < PROPOSALS_PER_LISTING:
                    rows.append(row)
                    labels.append(row["label"])
                    weights.append(1.0)
    demo: list[tuple[dict[str, float], int]] = [] if args.no_demo else demo_pairs(args.model)
    for found, label in demo:
        rows.append(found)
        labels.append(label)
        weights.append(args.demo_weight)
    if args.decisions:
        with args.decisions.open(encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                found = relevance.features(item["need"], item["achievement"], None, None)
                rows.append(found)
                labels.append(int(item["label"]))
                weights.append(1.0)
    x = relevance.matrix(rows, names)
    coefficients, intercept = fit_logistic(
        x, np.array(labels, dtype=float), np.array(weights), l2=args.l2
    )
    print(f"# {len(rows)} pairs, {sum(labels)} positive", file=sys.stderr)
    base = relevance.calibration().to_dict()
    base["model"] = {
        "features": list(names),
        "coefficients": {n: round(float(c), 4) for n, c in zip(names, coefficients, strict=True)},
        "intercept": round(intercept, 4),
    }
    model = relevance.Calibration.from_dict(base)
    near_misses = [model.probability(f) for f, label in demo if not label]
    trues = [model.probability(f) for f, label in demo if label]
    above = max(near_misses, default=0.0) if args.strong_above_near_misses else 0.0
    for t in (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        probe = calibration_numbers(queries, with_bands(model, t, t, t))
        print(
            f"# at {t:.2f}: recall {probe['strong_recall']:.3f} false {probe['strong_false']:.3f}",
            file=sys.stderr,
        )
    strong, medium, floor = choose_bands(
        queries, model, args.strong_false, args.proposed_recall, above
    )
    model = with_bands(model, strong, medium, floor)
    numbers = calibration_numbers(queries, model)
    print(json.dumps(base["model"], ensure_ascii=False))
    print(f"bands strong={strong} medium={medium} floor={floor}")
    print(" ".join(f"{k}={v:.3f}" for k, v in sorted(numbers.items())))
    if demo:
        strong_true = sum(p >= strong for p in trues)
        print(
            f"demo true pairs strong {strong_true}/{len(trues)}, proposed "
            f"{sum(p >= floor for p in trues)}/{len(trues)}; near misses strong "
            f"{sum(p >= strong for p in near_misses)}/{len(near_misses)}, proposed "
            f"{sum(p >= floor for p in near_misses)}/{len(near_misses)}, "
            f"max {max(near_misses, default=0.0):.3f}"
        )
    if args.write:
        data = model.to_dict()
        data["fitted_on"] = {
            "dumps": [p.name for p in args.dumps],
            "pairs": len(rows),
            "positives": int(sum(labels)),
            "demo_pairs": len(demo),
            "calibration": {k: round(v, 3) for k, v in sorted(numbers.items())},
        }
        path = relevance.calibration_path()
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
