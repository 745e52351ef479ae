"""Words for the codes of interest requests, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATES = {
    "open": _l("Waiting for an answer"),
    "mediation": _l("Association mediating"),
    "agreement_pending": _l("Accepted: agreement to accept"),
    "awaiting_verification": _l("Signed agreement being verified"),
    "granted": _l("Details open"),
    "declined": _l("Declined"),
    "revoked": _l("Access revoked"),
}
REASONS = {
    "not_fit": _l("Not a fit for us"),
    "no_capacity": _l("No capacity at the moment"),
    "already_partner": _l("We already have a partner"),
    "incomplete_request": _l("The request lacks information"),
    "other": _l("Another reason (please explain)"),
}
STRENGTHS = {"high": _l("strong"), "medium": _l("medium"), "low": _l("weak")}
PARTS = {
    "details": _l("Technical details"),
    "attachments": _l("Attachments"),
    "price": _l("Price or budget"),
}


def state_label(code: object) -> str:
    return str(STATES.get(str(code), code))


def reason_label(code: object) -> str:
    return str(REASONS.get(str(code), code))


def strength_label(code: object) -> str:
    return str(STRENGTHS.get(str(code), code))


def part_label(code: object) -> str:
    return str(PARTS.get(str(code), code))
