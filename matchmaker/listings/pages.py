"""Pages of the listings a user may browse, newest first, with an opaque keyset cursor.

The cursor is the id of the last row of the previous page ("after this row"), so every page is
one index range scan and rows added meanwhile neither repeat nor shift later pages.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core.errors import ValidationFailed
from matchmaker.core.numbers import whole_number
from matchmaker.db import count_rows
from matchmaker.models import Achievement, ListingState, Need, User
from matchmaker.visibility import Listing, browsable

MAX_LIMIT = 100
Model = type[Achievement] | type[Need]


@dataclass(frozen=True)
class Page:
    items: list[Listing]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed("bad_cursor", field="cursor") from None
    kind, _, value = raw.partition(":")
    if kind != "id" or whole_number(value) is None:
        raise ValidationFailed("bad_cursor", field="cursor")
    return int(value)


def browse(
    session: Session,
    model: type[Achievement] | type[Need],
    user: User | None,
    *,
    limit: int,
    cursor: str | None = None,
    field: str | None = None,
) -> Page:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed("bad_limit", field="limit")
    stmt = browsable(model, user)
    if cursor:
        stmt = stmt.where(model.id < decode_cursor(cursor))
    if field:
        stmt = stmt.where(model.field == field)
    # browsable() is typed as selecting one-tuples; scalars() yields the listings themselves
    rows = cast(
        list[Listing], list(session.scalars(stmt.order_by(model.id.desc()).limit(limit + 1)))
    )
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


@dataclass(frozen=True)
class NumberedPage:
    items: list[Listing]
    total: int


def numbered(
    session: Session,
    model: Model,
    user: User | None,
    *,
    page: int,
    size: int,
    field: str | None = None,
    region: str | None = None,
) -> NumberedPage:
    """Page `page` (from 1) of what `user` may browse, newest published first, and the total."""
    stmt = browsable(model, user)
    if field:
        stmt = stmt.where(model.field == field)
    if region:
        stmt = stmt.where(model.region == region)
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(model.published_at.desc(), model.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    )
    return NumberedPage(items=cast(list[Listing], list(rows)), total=total)


def newest(session: Session, model: Model, user: User | None, limit: int) -> list[Listing]:
    """The newest listings `user` may browse (the front page)."""
    stmt = browsable(model, user).order_by(model.published_at.desc()).limit(limit)
    return cast(list[Listing], list(session.scalars(stmt)))


def owned_by(session: Session, model: Model, user: User) -> list[Listing]:
    """The user's own listings, last changed first."""
    stmt = sa.select(model).where(model.owner_id == user.id).order_by(model.updated_at.desc())
    return cast(list[Listing], list(session.scalars(stmt)))


def waiting_for_review(session: Session, model: Model) -> list[Listing]:
    """Submitted listings, the longest waiting first."""
    stmt = sa.select(model).where(model.state == ListingState.SUBMITTED).order_by(model.updated_at)
    return cast(list[Listing], list(session.scalars(stmt)))


def count_in_state(session: Session, model: Model, state: ListingState) -> int:
    """How many listings of `model` are in `state`."""
    return count_rows(session, model, model.state == state)
