"""Structured compatibility of an achievement with a need.

Each check answers passed / failed / unknown (a missing value is "unknown", never a failure).
Hard checks remove a candidate; soft checks adjust its score by the weights below — the one
place where their size is decided.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from matchmaker.models import Achievement, Need


class Result(StrEnum):
    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    UNKNOWN = "unknown"
    DIFFERENT = "different"  # known on both sides and not the same, without counting against


@dataclass(frozen=True)
class Check:
    name: str
    result: Result
    hard: bool = False

    @property
    def blocks(self) -> bool:
        return self.hard and self.result == Result.FAILED


# Soft-check weights, added to the fused retrieval score (which lies in about [0, 1]).
WEIGHTS = {
    "field": 0.08,  # same field +0.08, related field +0.04, different field −0.08
    "trl": 0.06,  # maturity meets the need's minimum +0.06, below it −0.06
    "budget": 0.05,  # asking price fits the budget +0.05, far above it −0.05
    "modes": 0.03,  # at least one cooperation mode in common +0.03, none −0.03
    "region": 0.02,  # same province +0.02 (different provinces are not penalised)
}
# A title-like source (retrieval.is_short) gets a smaller field weight: measured with
# scripts/evaluate.py, short titles lost more to the field label than they gained (csl hybrid
# nDCG@10 0.185 at 0.08, 0.195 at 0.03), descriptions need it (needs 0.856 at 0.08, 0.829 at 0.03).
SHORT_SOURCE_WEIGHTS = {**WEIGHTS, "field": 0.03}
SCORE_OF = {
    Result.PASSED: 1.0,
    Result.PARTIAL: 0.5,
    Result.FAILED: -1.0,
    Result.UNKNOWN: 0.0,
    Result.DIFFERENT: 0.0,
}

# Fields whose work often transfers to the other (both directions).
RELATED_FIELDS = {
    frozenset({"integrated_circuits", "electronics"}),
    frozenset({"artificial_intelligence", "electronics"}),
    frozenset({"artificial_intelligence", "smart_manufacturing"}),
    frozenset({"new_materials", "new_energy"}),
    frozenset({"new_materials", "aerospace"}),
    frozenset({"new_materials", "integrated_circuits"}),
    frozenset({"energy_saving", "new_energy"}),
    frozenset({"marine", "energy_saving"}),
    frozenset({"modern_agriculture", "biomedicine"}),
    frozenset({"smart_manufacturing", "aerospace"}),
}
# An asking price this many times the budget is "far above" it; up to it is negotiable.
PRICE_TOLERANCE = 1.5
# Terms no negotiation bridges: a price this many times the budget, or a maturity this many
# levels under the need's minimum (a preclinical platform for a need that wants a product in
# clinical trials). Such a pair may be related, but it is not a strong proposal.
PRICE_OUT_OF_REACH = 3.0
TRL_OUT_OF_REACH = 2


def field_check(achievement: Achievement, need: Need) -> Check:
    a, n = achievement.field, need.field
    if not a or not n or "other" in (a, n):
        return Check("field", Result.UNKNOWN)
    if a == n:
        return Check("field", Result.PASSED)
    if frozenset({a, n}) in RELATED_FIELDS:
        return Check("field", Result.PARTIAL)
    return Check("field", Result.FAILED)


def trl_check(achievement: Achievement, need: Need, required: int | None = None) -> Check:
    required = required if required is not None else need.trl_min
    if achievement.trl is None or required is None:
        return Check("trl", Result.UNKNOWN)
    return Check("trl", Result.PASSED if achievement.trl >= required else Result.FAILED)


def budget_check(achievement: Achievement, need: Need) -> Check:
    price = achievement.price_min
    budget = need.budget_max
    if price is None or budget is None:
        return Check("budget", Result.UNKNOWN)
    if price <= budget:
        return Check("budget", Result.PASSED)
    if price <= budget * PRICE_TOLERANCE:
        return Check("budget", Result.PARTIAL)
    return Check("budget", Result.FAILED)


def modes_check(achievement: Achievement, need: Need) -> Check:
    offered, wanted = set(achievement.cooperation_modes or ()), set(need.cooperation_modes or ())
    if not offered or not wanted:
        return Check("modes", Result.UNKNOWN)
    return Check("modes", Result.PASSED if offered & wanted else Result.FAILED)


def region_check(achievement: Achievement, need: Need) -> Check:
    if not achievement.region or not need.region:
        return Check("region", Result.UNKNOWN)
    # another province is no reason to drop a match: it only misses the bonus
    return Check("region", Result.PASSED if achievement.region == need.region else Result.DIFFERENT)


def deadline_check(need: Need, today: date) -> Check:
    if need.deadline is None:
        return Check("deadline", Result.UNKNOWN, hard=True)
    return Check("deadline", Result.PASSED if need.deadline >= today else Result.FAILED, hard=True)


def evaluate(
    achievement: Achievement, need: Need, today: date, required_trl: int | None = None
) -> list[Check]:
    return [
        field_check(achievement, need),
        trl_check(achievement, need, required_trl),
        budget_check(achievement, need),
        modes_check(achievement, need),
        region_check(achievement, need),
        deadline_check(need, today),
    ]


def terms_out_of_reach(
    achievement: Achievement, need: Need, required_trl: int | None = None
) -> bool:
    """The asking price or the maturity is so far from what the need can take that the pair
    is at most of medium strength, however related its texts are."""
    price, budget = achievement.price_min, need.budget_max
    if price is not None and budget is not None and price > budget * PRICE_OUT_OF_REACH:
        return True
    minimum = required_trl if required_trl is not None else need.trl_min
    return (
        achievement.trl is not None
        and minimum is not None
        and achievement.trl <= minimum - TRL_OUT_OF_REACH
    )


def adjustment(checks: list[Check], weights: dict[str, float] | None = None) -> float:
    weights = weights or WEIGHTS
    return sum(weights.get(c.name, 0.0) * SCORE_OF[c.result] for c in checks if not c.hard)


# Checks shown as the two listings are now instead of as stored with the proposal: the region
# never counts against a pair, and explanations stored before "different" existed say "unknown"
# for two known provinces that differ (内蒙古 vs 江苏).
SHOWN_AS_NOW: dict[str, Callable[[Achievement, Need], Check]] = {"region": region_check}


def shown_checks(
    stored: Sequence[Mapping[str, Any]], achievement: Achievement, need: Need
) -> list[dict[str, str]]:
    """The stored checks of a match's explanation, those in SHOWN_AS_NOW evaluated again."""
    shown = []
    for entry in stored:
        name, result = str(entry.get("name", "")), str(entry.get("result", ""))
        if name in SHOWN_AS_NOW:
            result = str(SHOWN_AS_NOW[name](achievement, need).result)
        shown.append({"name": name, "result": result})
    return shown
