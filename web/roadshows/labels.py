"""Translated labels of roadshow states, registration statuses, meeting states and intents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROADSHOW_STATES = {
    "planning": _l("Planning"),
    "open": _l("Registration open"),
    "running": _l("In progress"),
    "closed": _l("Closed"),
    "done": _l("Finished"),
}
REGISTRATION_STATUSES = {
    "pending": _l("awaiting e-mail confirmation"),
    "registered": _l("Registered"),
    "waitlisted": _l("Waitlisted"),
    "cancelled": _l("Cancelled"),
}
MEETING_STATES = {
    "requested": _l("Requested"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "scheduled": _l("Scheduled"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
}
INTENTS = {
    "none": _l("No further interest"),
    "further_talks": _l("Further talks"),
    "trial": _l("Trial"),
    "contract": _l("Contract"),
}


def roadshow_state_label(value: object) -> str:
    return str(ROADSHOW_STATES.get(str(value), str(value)))


def registration_label(value: object) -> str:
    return str(REGISTRATION_STATUSES.get(str(value), str(value)))


def meeting_state_label(value: object) -> str:
    return str(MEETING_STATES.get(str(value), str(value)))


def intent_label(value: object) -> str:
    return str(INTENTS.get(str(value), str(value)))
