"""One pair's score: how likely the pair is related, moved a little by compatibility and feedback.

Match.score is a probability in [0, 1]:
    relevance  = matching/relevance.py: P(related) from the pair's own texts and embeddings
                 (never from its rank, nor from what else is in the index)
    score      = relevance with its log-odds moved by the compatibility adjustment
                 (compatibility.WEIGHTS; SHORT_SOURCE_WEIGHTS for short sources) plus the feedback
                 adjustment (feedback.Feedback), scaled and capped (relevance.adjust)
A pair is proposed only when its relevance reaches the floor (MIN_PROPOSAL_SCORE) and its score
still does: compatibility can lower a pair out of the queue, never lift one in (a pair under the
floor keeps a score no higher than its relevance, so score ≥ floor ⇔ proposable). The bands staff
see (strength) are thresholds on the score, stored with the calibration
(matching/data/relevance.json).

The order of candidates is another matter (rank_value): the fused retrieval rank ranks better
than the probability alone (scripts/evaluate.py, README), so proposals are ordered by it.
None means the pair must not be proposed (hard constraint or excluded by feedback).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matchmaker.matching import compatibility, feedback, relevance
from matchmaker.matching.retrieval import is_short
from matchmaker.models import Achievement, Need

_CALIBRATION = relevance.calibration()
# Probability thresholds of the bands (matching/data/relevance.json, scripts/fit_relevance.py).
# Staff see the bands, never the raw number as a percentage.
STRONG = _CALIBRATION.strong
MEDIUM = _CALIBRATION.medium
# Below this a candidate is not worth a staff member's time: it is not proposed at all, and a
# listing with no candidate above it has "no good match yet".
MIN_PROPOSAL_SCORE = _CALIBRATION.floor
BANDS = ("high", "medium", "low")


def weights_for(source_text: str) -> dict[str, float]:
    """Compatibility weights for pairs found from this text: title-like sources weigh the field
    less (compatibility.SHORT_SOURCE_WEIGHTS)."""
    return compatibility.SHORT_SOURCE_WEIGHTS if is_short(source_text) else compatibility.WEIGHTS


def rank_value(retrieval: float, relevance_p: float, adjustment: float) -> float:
    """The order of candidates: fused retrieval rank (scaled to [0, 1]) plus compatibility and
    feedback adjustments."""
    return retrieval + adjustment


def strength(score: float) -> str:
    """The band of a stored score: "high" / "medium" / "low"; a score under the proposal floor
    (never proposed, or a listing's best candidate shown as "no good match") is "low" too."""
    return "high" if score >= STRONG else "medium" if score >= MEDIUM else "low"


def is_good_match(score: float) -> bool:
    """Whether a pair's score reaches the proposal floor."""
    return score >= MIN_PROPOSAL_SCORE


@dataclass(frozen=True)
class Scored:
    score: float
    components: dict[str, float]
    checks: list[compatibility.Check]
    # the value candidates are ordered by (rank_value)
    rank: float
    # relevance and score both reach the floor (relevance.proposable)
    proposable: bool


def score_pair(
    retrieval: float,
    relevance_p: float,
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
    score = relevance.adjust(relevance_p, compat + learned, _CALIBRATION)
    if relevance_p < MIN_PROPOSAL_SCORE:
        # under the floor compatibility can only lower a pair: score ≥ floor ⇔ proposable
        score = min(score, relevance_p)
    return Scored(
        score,
        {
            "retrieval": round(retrieval, 4),
            "relevance": round(relevance_p, 4),
            "compatibility": round(compat, 4),
            "feedback": round(learned, 4),
        },
        checks,
        rank_value(retrieval, relevance_p, compat + learned),
        relevance.proposable(relevance_p, score, _CALIBRATION),
    )
