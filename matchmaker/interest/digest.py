"""One e-mail a day with a person's interest-request news, never one mail per event.

The day's in-app notifications about interest requests (`interest_*`) are rendered again in the
reader's language: they were stored with the title only where the reader may see the listing
without an access grant, so the mail can name no more than the app did. A mail already sent for
that day and person is not sent again, so the task is safe to run twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.db import utcnow
from matchmaker.models import Notification, OutboxMail, User
from matchmaker.notifications import notify

ZONE = ZoneInfo("Asia/Shanghai")
SUBJECTS = {"zh": "[科创对接] 意向申请动态（{day}）", "en": "[TechMatch] Interest requests ({day})"}
INTRO = {
    "zh": "以下是 {day} 与您相关的意向申请动态：",
    "en": "What happened on {day} with interest requests that concern you:",
}


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, ZONE).astimezone(UTC)
    return start, start + timedelta(days=1)


def send(session: Session, day: date | None = None) -> int:
    """Mail each person the interest notifications of `day` (default: yesterday, UTC+8);
    returns how many mails were written to the outbox."""
    day = day or (utcnow().astimezone(ZONE).date() - timedelta(days=1))
    start, end = _bounds(day)
    notes = session.scalars(
        sa.select(Notification)
        .where(
            Notification.message_key.like("interest\\_%", escape="\\"),
            Notification.created_at >= start,
            Notification.created_at < end,
        )
        .order_by(Notification.user_id, Notification.id)
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in notes:
        by_user[note.user_id].append(note)
    sent = 0
    for user_id, items in by_user.items():
        user = session.get(User, user_id)
        if user is None or not user.email or not user.is_active:
            continue
        lang = "en" if (user.locale or "zh").startswith("en") else "zh"
        subject = SUBJECTS[lang].format(day=day.isoformat())
        already = session.scalar(
            sa.select(OutboxMail.id).where(
                OutboxMail.recipient == user.email, OutboxMail.subject == subject
            )
        )
        if already is not None:
            continue
        lines = [INTRO[lang].format(day=day.isoformat()), ""]
        for note in items:
            lines.append("· " + notify.render(note.message_key, note.params, lang))
            if note.link:
                lines.append("  " + notify.absolute_link(note.link))
        session.add(OutboxMail(recipient=user.email, subject=subject, body="\n".join(lines)))
        sent += 1
    session.flush()
    return sent
