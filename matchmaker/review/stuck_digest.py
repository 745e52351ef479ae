"""Daily digest of matches stuck in one pipeline stage for too long."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.accounts import operations as accounts
from matchmaker.db import utcnow
from matchmaker.models import Match, Role
from matchmaker.notifications import notify
from matchmaker.review.pipeline import OPEN_PIPELINE

ATTENTION_LINK = "/review/matches?state=attention"


def stuck_counts(session: Session, stuck_days: int) -> dict[int | None, int]:
    """assignee id (None = nobody) → number of matches waiting longer than `stuck_days`."""
    before = utcnow() - timedelta(days=stuck_days)
    return dict(
        session.execute(
            sa.select(Match.assignee_id, sa.func.count())
            .where(Match.state.in_(OPEN_PIPELINE), Match.state_changed_at < before)
            .group_by(Match.assignee_id)
        ).all()
    )


def send_stuck_digests(session: Session, stuck_days: int) -> int:
    """Tell each active staff member about their stuck matches and the unassigned ones.
    Returns the number of digests sent."""
    counts = stuck_counts(session, stuck_days)
    unassigned = counts.get(None, 0)
    staff = accounts.active_staff(session)
    sent = 0
    for user in staff:
        mine = counts.get(user.id, 0)
        if mine == 0 and (unassigned == 0 or user.role != Role.STAFF):
            continue
        notify.notify(
            session,
            user,
            "stuck_digest",
            ATTENTION_LINK,
            mine=mine,
            unassigned=unassigned,
            days=stuck_days,
        )
        sent += 1
    session.flush()
    return sent
