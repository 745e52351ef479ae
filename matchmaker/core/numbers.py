"""The one parser for whole numbers typed by people or sent by programs (ids, versions, page
sizes, counts). `str.isdigit()` is true for "²" and "٣", which `int()` then refuses or reads
as another digit, and unbounded ids overflow the databases' 64-bit integers."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest BIGINT on PostgreSQL and INTEGER on SQLite


def whole_number(
    raw: object, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    """`raw` as an int within [minimum, maximum] if it is plain ASCII digits (surrounding
    spaces allowed), else `default`."""
    text = str(raw).strip() if raw is not None else ""
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return default
    value = int(text)
    return value if minimum <= value <= maximum else default
