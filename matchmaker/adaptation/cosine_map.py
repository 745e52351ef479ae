"""An adapted model's cosines on the packaged model's scale: a shift fitted without labels.

The relevance model (search/relevance.py) turns a pair's cosine into a probability with
coefficients fitted on the packaged model's cosines. An adapted model ranks better but puts its
cosines lower: measured on the needs evaluation set with the packaged calibration, the right
answers rated strong fell from 47% to 18% and those proposed from 86% to 49% — switching models
would have silently emptied the proposals. So when a model is made, the same text pairs are
embedded by the current and the adapted model, and the adapted cosines are moved by the mean
difference on the pairs that decide bands, each query's best candidate:
`cos_current ≈ cos_adapted + shift`. The spread the adapted model learnt is kept: it is what
separates better (needs set: top-candidate ROC AUC 0.798 with the spread kept, 0.755 when a
least-squares slope squeezes it back onto the packaged scale). Composed with the current model's
own map, it is stored beside the adapted model (relevance.COSINE_MAP_FILE) and applied by
relevance.for_model.

The queries are the self-check's held-out pairs and the demo needs; no label is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from matchmaker.search import relevance

Encode = Callable[[list[str]], np.ndarray]
Map = tuple[float, float]  # scale, shift


def best_pair_cosines(
    before: Encode, after: Encode, queries: Sequence[str], passages: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """For each query, its best passage under `after`: (that cosine under `after`, the same
    pair's cosine under `before`)."""
    if not queries:
        return np.zeros(0), np.zeros(0)
    scores_after = after(list(queries)) @ after(list(passages)).T
    scores_before = before(list(queries)) @ before(list(passages)).T
    best = np.argmax(scores_after, axis=1)
    rows = np.arange(len(queries))
    return scores_after[rows, best], scores_before[rows, best]


def fit(after_cosines: np.ndarray, before_cosines: np.ndarray) -> Map:
    """The level moved, the spread kept."""
    return 1.0, float(np.mean(before_cosines - after_cosines))


def compose(outer: Map | None, inner: Map) -> Map:
    """`inner` (adapted → current), then `outer` (current → packaged), as one map."""
    if outer is None:
        return inner
    return outer[0] * inner[0], outer[0] * inner[1] + outer[1]


def fit_and_store(
    target: Path,
    before: Encode,
    after: Encode,
    sets: Sequence[tuple[Sequence[str], Sequence[str]]],
    current_map: Map | None,
) -> dict[str, float]:
    """Fit the map on `sets` of (queries, passages), compose it with the current model's and
    store it beside the adapted model; returns what was stored."""
    xs, ys = zip(*(best_pair_cosines(before, after, *texts) for texts in sets), strict=True)
    after_cosines, before_cosines = np.concatenate(xs), np.concatenate(ys)
    own = fit(after_cosines, before_cosines)
    scale, shift = compose(current_map, own)
    spread = float(np.std(before_cosines - after_cosines))
    about = {"queries": len(after_cosines), "spread": round(spread, 4)}
    relevance.write_cosine_map(target, scale, shift, **about)
    return {"scale": scale, "shift": shift, **about}
