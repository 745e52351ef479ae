"""Reminders to record the follow-up of roadshow meetings, 7 and 30 days after the event.

Both sides of every published meeting without a follow-up of their own are reminded, each at
most once per stage: the notification link names the stage, so a rerun finds it and sends
nothing twice. When a run finds both stages due (the worker was down for weeks) only the later
one is sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.db import utcnow
from matchmaker.models import (
    FollowUp,
    LineupItem,
    Meeting,
    MeetingState,
    Notification,
    Registration,
    Roadshow,
    User,
)
from matchmaker.notifications import notify

STAGES = (7, 30)  # days after the end of the event
KEY = "roadshow_followup_reminder"
LOOKBACK = timedelta(days=max(STAGES) + 14)


def _link(roadshow: Roadshow, days: int) -> str:
    return f"/roadshows/{roadshow.id}/agenda?reminder={days}"


def _due_stage(roadshow: Roadshow, now: datetime) -> int | None:
    due = [days for days in STAGES if roadshow.ends_at + timedelta(days=days) <= now]
    return max(due) if due else None


def _missing(session: Session, roadshow: Roadshow) -> dict[int, User]:
    """People with a published meeting at this roadshow and no follow-up of their own for it."""
    people: dict[int, User] = {}
    meetings = session.scalars(
        sa.select(Meeting).where(
            Meeting.roadshow_id == roadshow.id,
            Meeting.state.in_((MeetingState.SCHEDULED, MeetingState.HELD)),
        )
    )
    done = {
        (f.meeting_id, f.user_id)
        for f in session.scalars(sa.select(FollowUp).where(FollowUp.roadshow_id == roadshow.id))
    }
    for meeting in meetings:
        registration = session.get(Registration, meeting.registration_id)
        item = session.get(LineupItem, meeting.lineup_item_id)
        sides = (
            registration.user if registration else None,
            item.achievement.owner if item else None,
        )
        for user in sides:
            if user is not None and user.is_active and (meeting.id, user.id) not in done:
                people[user.id] = user
    return people


def send_followup_reminders(session: Session, now: datetime | None = None) -> int:
    moment = now or utcnow()
    sent = 0
    roadshows = session.scalars(
        sa.select(Roadshow).where(
            Roadshow.ends_at <= moment - timedelta(days=min(STAGES)),
            Roadshow.ends_at >= moment - LOOKBACK,
        )
    )
    for roadshow in roadshows:
        stage = _due_stage(roadshow, moment)
        if stage is None:
            continue
        link = _link(roadshow, stage)
        already = set(
            session.scalars(
                sa.select(Notification.user_id).where(
                    Notification.message_key == KEY, Notification.link == link
                )
            )
        )
        for user_id, user in _missing(session, roadshow).items():
            if user_id in already:
                continue
            notify.notify(session, user, KEY, link, title=roadshow.title, days=stage)
            sent += 1
    session.flush()
    return sent
