"""One pair's score from its retrieval strength, compatibility checks and staff feedback.

score = retrieval (fused rank, scaled to [0, 1])
      + compatibility adjustment (compatibility.WEIGHTS)
      + feedback adjustment (feedback.Feedback)
None means the pair must not be proposed (hard constraint or excluded by feedback).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matchmaker.matching import compatibility, feedback
from matchmaker.models import Achievement, Need


@dataclass(frozen=True)
class Scored:
    score: float
    components: dict[str, float]
    checks: list[compatibility.Check]


def score_pair(
    retrieval: float, achievement: Achievement, need: Need, today: date, fb: feedback.Feedback
) -> Scored | None:
    if fb.excludes(achievement):
        return None
    checks = compatibility.evaluate(achievement, need, today, fb.required_trl)
    if any(c.blocks for c in checks):
        return None
    compat = compatibility.adjustment(checks)
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
