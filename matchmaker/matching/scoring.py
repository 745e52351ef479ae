"""One pair's score: how likely the pair is related, moved a little by compatibility and feedback.

Match.score is a probability in [0, 1]:
    relevance  = matching/relevance.py: P(related) from the pair's own texts and embeddings
                 (never from its rank, nor from what else is in the index)
    score      = relevance with its log-odds moved by the compatibility adjustment
                 (compatibility.WEIGHTS; SHORT_SOURCE_WEIGHTS for short sources) plus the feedback
                 adjustment (feedback.Feedback), scaled and capped (relevance.adjust)
A pair whose price or maturity is out of the need's reach scores at most mid-medium
(compatibility.terms_out_of_reach): related, but not a strong proposal.
A pair is proposed only when its relevance reaches the floor (MIN_PROPOSAL_SCORE) and its score
still does: compatibility can lower a pair out of the queue, never lift one in (a pair under the
floor keeps a score no higher than its relevance, so score ≥ floor ⇔ proposable). The bands staff
see (strength) are thresholds on the score, stored with the calibration
(search/data/relevance.json).

The order of candidates is another matter (rank_value): the fused retrieval rank plus
compatibility, plus the probability for descriptions (not for title-like sources), ranked best
(scripts/evaluate.py, README).
None means the pair must not be proposed (hard constraint or excluded by feedback).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matchmaker.matching import compatibility, feedback
from matchmaker.models import Achievement, Need
from matchmaker.search import relevance
from matchmaker.search.retrieval import is_short

_CALIBRATION = relevance.calibration()
# Probability thresholds of the bands (search/data/relevance.json, scripts/fit_relevance.py).
# Staff see the bands, never the raw number as a percentage.
STRONG = _CALIBRATION.strong
MEDIUM = _CALIBRATION.medium
# Below this a candidate is not worth a staff member's time: it is not proposed at all, and a
# listing with no candidate above it has "no good match yet".
MIN_PROPOSAL_SCORE = _CALIBRATION.floor
BANDS = ("high", "medium", "low")
# the score of a pair whose terms are out of reach (compatibility.terms_out_of_reach) stops
# here, in the middle of the medium band
OUT_OF_REACH_CAP = relevance.between(MEDIUM, STRONG)


def weights_for(source_text: str) -> dict[str, float]:
    """Compatibility weights for pairs found from this text: title-like sources weigh the field
    less (compatibility.SHORT_SOURCE_WEIGHTS)."""
    return compatibility.SHORT_SOURCE_WEIGHTS if is_short(source_text) else compatibility.WEIGHTS


# Weight of the relevance probability in the order of candidates, beside the fused rank (scaled
# to [0, 1]) and the compatibility adjustment, for descriptions; title-like sources (is_short)
# keep the fused order. Measured with scripts/evaluate.py --rank-relevance (README): needs
# hybrid 0.861 → 0.865, without field 0.832 → 0.855, English 0.612 → 0.766; csl titles lost
# (0.195 → 0.186) and keep 0.
RELEVANCE_IN_RANK = 1.0


def relevance_weight_for(source_text: str) -> float:
    return 0.0 if is_short(source_text) else RELEVANCE_IN_RANK


def rank_value(
    retrieval: float, relevance_p: float, adjustment: float, relevance_weight: float
) -> float:
    """The order of candidates: fused retrieval rank (scaled to [0, 1]) plus compatibility and
    feedback adjustments plus relevance_weight × the relevance probability."""
    return retrieval + adjustment + relevance_weight * relevance_p


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
    relevance_weight: float = RELEVANCE_IN_RANK,
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
    if compatibility.terms_out_of_reach(achievement, need, fb.required_trl):
        score = min(score, OUT_OF_REACH_CAP)
    return Scored(
        score,
        {
            "retrieval": round(retrieval, 4),
            "relevance": round(relevance_p, 4),
            "compatibility": round(compat, 4),
            "feedback": round(learned, 4),
        },
        checks,
        rank_value(retrieval, relevance_p, compat + learned, relevance_weight),
        relevance.proposable(relevance_p, score, _CALIBRATION),
    )
