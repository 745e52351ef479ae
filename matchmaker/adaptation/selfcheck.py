"""The label-free self-check an adapted model must pass before anything switches to it.

1. Held-out listings: each held-out pair's query must find its own passage among the passages
   of all held-out listings (none of them was trained on). The adapted model must do better
   than the current one (MRR), and not find fewer in the top 10.
2. The demo's labelled pairs (matchmaker/demo/data/pairs.json, written by people): each need's
   right achievements ranked among all demo achievements must not get worse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.adaptation import Pair, Retrieval, own_passage_retrieval
from matchmaker.demo import loader as demo
from matchmaker.models import Achievement, Need
from matchmaker.search.documents import listing_text

Encode = Callable[[list[str]], np.ndarray]

# The adapted model must beat the current one on held-out pairs by at least this MRR: a gain
# smaller than that is within what a different seed moves.
MIN_HELD_OUT_GAIN = 0.005
# The labelled demo pairs may lose at most this much MRR: one of the 34 right answers slipping
# from first to second place costs 0.015, which says nothing.
LABELLED_TOLERANCE = 0.02

ACCEPTED = "accepted"
HELD_OUT_NOT_BETTER = "held_out_not_better"
LABELLED_WORSE = "labelled_worse"
TOO_FEW_LISTINGS = "too_few_listings"
REASONS = (ACCEPTED, HELD_OUT_NOT_BETTER, LABELLED_WORSE, TOO_FEW_LISTINGS)


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str
    held_out_before: Retrieval
    held_out_after: Retrieval
    labelled_before: Retrieval
    labelled_after: Retrieval

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "reason": self.reason,
            "held_out_before": self.held_out_before.as_dict(),
            "held_out_after": self.held_out_after.as_dict(),
            "labelled_before": self.labelled_before.as_dict(),
            "labelled_after": self.labelled_after.as_dict(),
        }


def decide(
    held_out_before: Retrieval,
    held_out_after: Retrieval,
    labelled_before: Retrieval,
    labelled_after: Retrieval,
) -> Verdict:
    """The rule: better on held-out pairs, and no worse on the labelled pairs."""
    better = (
        held_out_after.mrr >= held_out_before.mrr + MIN_HELD_OUT_GAIN
        and held_out_after.recall_at_10 >= held_out_before.recall_at_10
    )
    kept = labelled_after.mrr >= labelled_before.mrr - LABELLED_TOLERANCE
    reason = ACCEPTED if better and kept else (LABELLED_WORSE if better else HELD_OUT_NOT_BETTER)
    return Verdict(
        reason == ACCEPTED,
        reason,
        held_out_before,
        held_out_after,
        labelled_before,
        labelled_after,
    )


Texts = tuple[list[str], list[str], list[set[int]]]  # queries, passages, each one's own


def held_out_texts(pairs: Sequence[Pair]) -> Texts:
    """Each held-out pair's query, against the passages of all held-out pairs."""
    return [p.query for p in pairs], [p.passage for p in pairs], [{i} for i in range(len(pairs))]


def held_out(encode: Encode, pairs: Sequence[Pair]) -> Retrieval:
    return own_passage_retrieval(encode, *held_out_texts(pairs))


def demo_texts() -> Texts:
    """(need texts, achievement texts, each need's right achievements), composed the way the
    index composes listings."""
    achievements = demo.read("achievements.json")
    needs = demo.read("needs.json")
    position = {row["key"]: i for i, row in enumerate(achievements)}
    right: dict[str, set[int]] = {}
    for pair in demo.read("pairs.json"):
        if pair["kind"] == "true" and pair["achievement"] in position:
            right.setdefault(pair["need"], set()).add(position[pair["achievement"]])
    achievement_texts = [
        listing_text(
            Achievement(
                title=row["title"],
                summary=row.get("summary", ""),
                description=row.get("description", ""),
                field=row.get("field"),
                keywords=list(row.get("keywords", [])),
            )
        ).compose()
        for row in achievements
    ]
    asked = [row for row in needs if row["key"] in right]
    need_texts = [
        listing_text(
            Need(
                title=row["title"],
                description=row.get("description", ""),
                current_approach=row.get("current_approach", ""),
                desired_outcome=row.get("desired_outcome", ""),
                field=row.get("field"),
                keywords=list(row.get("keywords", [])),
            )
        ).compose()
        for row in asked
    ]
    return need_texts, achievement_texts, [right[row["key"]] for row in asked]


def labelled(encode: Encode) -> Retrieval:
    """The demo's labelled need → achievement pairs, ranked among all demo achievements."""
    needs, achievements, right = demo_texts()
    return own_passage_retrieval(encode, needs, achievements, right)


def check(before: Encode, after: Encode, pairs: Sequence[Pair]) -> Verdict:
    """Measure both models on the held-out pairs and the labelled pairs, then decide."""
    return decide(
        held_out(before, pairs), held_out(after, pairs), labelled(before), labelled(after)
    )
