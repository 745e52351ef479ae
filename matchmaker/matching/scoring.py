"""One pair's score from its retrieval strength, compatibility checks and staff feedback.

score = retrieval (fused rank, scaled to [0, 1])
      + compatibility adjustment (compatibility.WEIGHTS; SHORT_SOURCE_WEIGHTS for short sources)
      + feedback adjustment (feedback.Feedback)
None means the pair must not be proposed (hard constraint or excluded by feedback).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matchmaker.matching import compatibility, feedback
from matchmaker.models import Achievement, Need
from matchmaker.search.retrieval import is_short

# Calibrated on the demo's labelled pairs (34 true, 16 near misses, 711 other top-20 candidates):
# true pairs score 1.17–1.24 (10th–90th percentile), near misses 1.04–1.20, others 0.78–1.12.
# Staff see these bands, never the raw number as a percentage.
STRONG, MEDIUM = 1.1, 1.0
# Below this a candidate is not worth a staff member's time: every true demo pair scores above
# it, and it removes about two thirds of the other candidates from the queue.
MIN_PROPOSAL_SCORE = 0.95


def weights_for(source_text: str) -> dict[str, float]:
    """Compatibility weights for pairs found from this text: title-like sources weigh the field
    less (compatibility.SHORT_SOURCE_WEIGHTS)."""
    return compatibility.SHORT_SOURCE_WEIGHTS if is_short(source_text) else compatibility.WEIGHTS


def strength(score: float) -> str:
    return "high" if score >= STRONG else "medium" if score >= MEDIUM else "low"


@dataclass(frozen=True)
class Scored:
    score: float
    components: dict[str, float]
    checks: list[compatibility.Check]


def score_pair(
    retrieval: float,
    achievement: Achievement,
    need: Need,
    today: date,
    fb: feedback.Feedback,
    weights: dict[str, float] | None = None,
) -> Scored | None:
    if fb.excludes(achievement):
        return None
    checks = compatibility.evaluate(achievement, need, today, fb.required_trl)
    if any(c.blocks for c in checks):
        return None
    compat = compatibility.adjustment(checks, weights)
    learned = fb.adjustment(achievement)
    return Scored(
        retrieval + compat + learned,
        {
            "retrieval": round(retrieval, 4),
            "compatibility": round(compat, 4),
            "feedback": round(learned, 4),
        },
        checks,
    )
