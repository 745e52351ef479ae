"""The event's calendar: its day and dates in its own time zone (Asia/Shanghai by default).

One rule for everything that may happen only from the event day on: starting and finishing
the event, check-in at the door, and follow-ups after the meetings (`event_day_reached`).
Staff may do the first three earlier with an explicit override, which the caller audits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from matchmaker.core.errors import ValidationFailed
from matchmaker.db import utcnow
from matchmaker.models import Roadshow

DEFAULT_ZONE = "Asia/Shanghai"


def zone_of(roadshow: Roadshow) -> ZoneInfo:
    return ZoneInfo(roadshow.timezone or DEFAULT_ZONE)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def event_date(roadshow: Roadshow) -> date:
    """The event's first day, in its own zone."""
    return _aware(roadshow.starts_at).astimezone(zone_of(roadshow)).date()


def local_date(roadshow: Roadshow, now: datetime | None = None) -> date:
    """Today (or `now`'s day) where the event takes place."""
    return _aware(now or utcnow()).astimezone(zone_of(roadshow)).date()


def event_day_reached(roadshow: Roadshow, now: datetime | None = None) -> bool:
    """Whether the event's first day has begun in its own time zone."""
    day_start = datetime.combine(event_date(roadshow), time(0), tzinfo=zone_of(roadshow))
    return _aware(now or utcnow()) >= day_start


def require_event_day(roadshow: Roadshow, *, override: bool = False) -> bool:
    """Refuse an event-day action before the event day unless staff override it; returns
    whether the override was used (the caller records that in the audit log)."""
    if event_day_reached(roadshow):
        return False
    if not override:
        raise ValidationFailed("before_event_day", date=event_date(roadshow).isoformat())
    return True
