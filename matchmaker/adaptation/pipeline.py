"""One adaptation, from documents to a verdict, with no database: the product's job
(operations.py) and scripts/evaluate.py --adapt both run it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.adaptation import Pair, Recipe, fine_tune, pairs_from_document, split_held_out
from matchmaker.adaptation import cosine_map, selfcheck
from matchmaker.adaptation.selfcheck import Encode, Verdict

HELD_OUT_SHARE = 0.1  # of the listings, kept out of training for the self-check
MIN_DOCUMENTS = 40  # fewer listings than this make neither a batch nor a self-check worth it


@dataclass(frozen=True)
class Document:
    group: str  # e.g. "need:12"
    title: str
    body: Sequence[str]


@dataclass
class Outcome:
    documents: int
    pairs: int
    training_pairs: int = 0
    held_out: int = 0
    training: dict[str, Any] = field(default_factory=dict)
    verdict: Verdict | None = None
    reason: str = ""
    cosine_map: dict[str, float] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.verdict is not None and self.verdict.accepted

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "pairs": self.pairs,
            "training_pairs": self.training_pairs,
            "held_out": self.held_out,
            "training": self.training,
            "accepted": self.accepted,
            "reason": self.reason,
            "self_check": self.verdict.as_dict() if self.verdict else None,
            "cosine_map": self.cosine_map,
        }


def remembering(encode: Encode) -> Encode:
    """`encode`, each text embedded once: the self-check and the cosine map share vectors."""
    seen: dict[str, np.ndarray] = {}

    def run(texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in seen))
        if missing:
            seen.update(zip(missing, encode(missing), strict=True))
        return np.stack([seen[t] for t in texts])

    return run


def build_pairs(documents: Sequence[Document]) -> list[Pair]:
    return [p for d in documents for p in pairs_from_document(d.group, d.title, d.body)]


def adapt(
    documents: Sequence[Document],
    *,
    source: Path,
    target: Path,
    prefix: str,
    current: Encode,
    encoder_for: Callable[[Path], Encode],
    recipe: Recipe,
    progress: Callable[[int, int], None] | None = None,
    provenance: dict[str, Any] | None = None,
    keep_refused: bool = False,
    current_map: cosine_map.Map | None = None,
) -> Outcome:
    """Train a copy of the model at `source` into `target` and self-check it against `current`.
    A refused model's directory is removed; an accepted one gets its cosine map (on the
    packaged model's scale; `current_map` is the current model's own) and is left for the
    caller to switch to."""
    pairs = build_pairs(documents)
    outcome = Outcome(documents=len(documents), pairs=len(pairs))
    if len({p.group for p in pairs}) < MIN_DOCUMENTS:
        outcome.reason = selfcheck.TOO_FEW_LISTINGS
        return outcome
    training, held = split_held_out(pairs, HELD_OUT_SHARE, recipe.seed)
    outcome.training_pairs, outcome.held_out = len(training), len(held)
    outcome.training = fine_tune(
        source,
        target,
        training,
        recipe,
        prefix=prefix,
        progress=progress,
        provenance={**(provenance or {}), "recipe": recipe.as_dict(), "pairs": len(training)},
    )
    before, after = remembering(current), remembering(encoder_for(target))
    outcome.verdict = selfcheck.check(before, after, held)
    outcome.reason = outcome.verdict.reason
    if outcome.accepted or keep_refused:
        outcome.cosine_map = cosine_map.fit_and_store(
            target,
            before,
            after,
            [selfcheck.held_out_texts(held)[:2], selfcheck.demo_texts()[:2]],
            current_map,
        )
    if not outcome.accepted and not keep_refused:
        shutil.rmtree(target, ignore_errors=True)
    return outcome
