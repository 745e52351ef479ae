"""Shared helpers of the roadshow pages: loading, form parsing, flashing service errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash
from flask_login import current_user

from matchmaker import visibility
from matchmaker.core import numbers
from matchmaker.core.errors import OperationError
from matchmaker.models import Roadshow, User
from web import db
from web.messages import message_for
from web.roadshows import bp


def viewer() -> User | None:
    return current_user if current_user.is_authenticated else None


def load(roadshow_id: int) -> Roadshow:
    """The roadshow; one still being planned exists only for staff."""
    roadshow = db.session().get(Roadshow, roadshow_id)
    if roadshow is None:
        abort(404)
    if not visibility.can_see_roadshow(viewer(), roadshow):
        abort(404)
    return roadshow


def local_datetime(raw: str | None) -> datetime | None:
    """A datetime-local input value (YYYY-MM-DDTHH:MM), or None when empty or malformed."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def whole_number(raw: str | None, default: int = -1) -> int:
    """A form's whole number, or `default` (-1: an id that matches nothing)."""
    value = numbers.whole_number(raw, default)
    assert value is not None
    return value


def flash_error(error: OperationError) -> None:
    flash(message_for(error), "error")


def event_time(value: datetime | None, zone: str, pattern: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(pattern)


def input_value(value: datetime | None, zone: str) -> str:
    """A stored instant as a datetime-local value in the event's zone."""
    return event_time(value, zone, "%Y-%m-%dT%H:%M")


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    from web.roadshows import labels

    return {
        "event_time": event_time,
        "roadshow_state_label": labels.roadshow_state_label,
        "zone_label": labels.zone_label,
        "registration_label": labels.registration_label,
        "my_registration": labels.my_registration,
        "meeting_state_label": labels.meeting_state_label,
        "intent_label": labels.intent_label,
        "intents": list(labels.INTENTS),
    }
