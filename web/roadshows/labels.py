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
# the participant's own registration, said once as a sentence
MY_REGISTRATION = {
    "pending": _l("Your registration awaits e-mail confirmation."),
    "registered": _l("You are registered."),
    "waitlisted": _l("You are on the waitlist. We will tell you when a seat opens."),
    "cancelled": _l("Your registration is cancelled."),
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


ZONES = {
    "Asia/Shanghai": _l("Beijing time"),
    "Asia/Hong_Kong": _l("Hong Kong time"),
    "Asia/Tokyo": _l("Tokyo time"),
    "Europe/Berlin": _l("Central European time"),
    "UTC": _l("UTC"),
}
# what "registration open" really is once the registration rule says otherwise
OPEN_BUT = {
    "closed": _l("Registration closed"),
    "full": _l("Full: waitlist open"),
}


def roadshow_state_label(value: object, registration_state: object = None) -> str:
    """The event's state as a participant reads it: a published event whose registration has
    closed (deadline passed) or filled up says so instead of "registration open"."""
    if str(value) == "open" and str(registration_state) in OPEN_BUT:
        return str(OPEN_BUT[str(registration_state)])
    return str(ROADSHOW_STATES.get(str(value), str(value)))


def zone_label(zone: object) -> str:
    """A time zone as people say it (北京时间), the IANA name for the rest."""
    return str(ZONES.get(str(zone), str(zone)))


def registration_label(value: object) -> str:
    return str(REGISTRATION_STATUSES.get(str(value), str(value)))


def my_registration(value: object) -> str:
    return str(MY_REGISTRATION.get(str(value), registration_label(value)))


def meeting_state_label(value: object) -> str:
    return str(MEETING_STATES.get(str(value), str(value)))


def intent_label(value: object) -> str:
    return str(INTENTS.get(str(value), str(value)))
