"""Staff decisions feeding back into ranking.

A rejected pair is never proposed again. The reason given adjusts the feature it names, for
the need it was given on: a field mismatch lowers achievements of that field, "maturity too
low" raises the required TRL above the rejected one, "price does not fit" lowers achievements
asking as much or more, "already cooperating" drops that organisation. Approvals lift
achievements of the approved field a little.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.models import APPROVED_MATCH_STATES, Achievement, Match, MatchState

REJECT_REASONS = ("field_mismatch", "trl_too_low", "price_mismatch", "already_cooperating", "other")
FIELD_PENALTY = 0.10
PRICE_PENALTY = 0.08
APPROVED_FIELD_BONUS = 0.03


@dataclass
class Feedback:
    rejected_achievements: set[int] = field(default_factory=set)
    excluded_organisations: set[int] = field(default_factory=set)
    penalised_fields: set[str] = field(default_factory=set)
    required_trl: int | None = None
    price_ceiling: float | None = None
    approved_fields: set[str] = field(default_factory=set)

    def adjustment(self, achievement: Achievement) -> float:
        value = 0.0
        if achievement.field and achievement.field in self.penalised_fields:
            value -= FIELD_PENALTY
        if (
            self.price_ceiling is not None
            and achievement.price_min is not None
            and achievement.price_min >= self.price_ceiling
        ):
            value -= PRICE_PENALTY
        if achievement.field and achievement.field in self.approved_fields:
            value += APPROVED_FIELD_BONUS
        return value

    def excludes(self, achievement: Achievement) -> bool:
        return achievement.id in self.rejected_achievements or (
            achievement.organisation_id is not None
            and achievement.organisation_id in self.excluded_organisations
        )


def for_need(session: Session, need_id: int, trl_min: int | None) -> Feedback:
    feedback = Feedback(required_trl=trl_min)
    decided = session.execute(
        sa.select(Match.state, Match.reject_reason, Achievement)
        .join(Achievement, Achievement.id == Match.achievement_id)
        .where(Match.need_id == need_id, Match.state != MatchState.PROPOSED)
    ).all()
    for state, reason, achievement in decided:
        if state == MatchState.REJECTED:
            feedback.rejected_achievements.add(achievement.id)
            if reason == "field_mismatch" and achievement.field:
                feedback.penalised_fields.add(achievement.field)
            elif reason == "trl_too_low" and achievement.trl is not None:
                feedback.required_trl = max(feedback.required_trl or 0, achievement.trl + 1)
            elif reason == "price_mismatch" and achievement.price_min is not None:
                ceiling = feedback.price_ceiling
                feedback.price_ceiling = (
                    min(ceiling, achievement.price_min)
                    if ceiling is not None
                    else achievement.price_min
                )
            elif reason == "already_cooperating" and achievement.organisation_id is not None:
                feedback.excluded_organisations.add(achievement.organisation_id)
        elif state in APPROVED_MATCH_STATES and achievement.field:
            feedback.approved_fields.add(achievement.field)
    return feedback
