"""The self-check's reasons in words (matchmaker/adaptation/selfcheck.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from matchmaker.adaptation import selfcheck

REASON_LABELS = {
    selfcheck.ACCEPTED: _l("Passed: better on held-out listings, labelled pairs not worse"),
    selfcheck.HELD_OUT_NOT_BETTER: _l(
        "Refused: not better at finding held-out listings; the current model is kept"
    ),
    selfcheck.LABELLED_WORSE: _l(
        "Refused: worse on the labelled demo pairs; the current model is kept"
    ),
    selfcheck.TOO_FEW_LISTINGS: _l("Not run: too few published listings to learn from"),
}


def reason(code: str | None) -> str:
    label = REASON_LABELS.get(code or "")
    return str(label) if label is not None else "—"
