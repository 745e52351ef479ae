"""Who may see what. Every view that shows a listing goes through these rules.

- Anonymous visitors: published PUBLIC listings, summary fields only.
- Signed-in users: published PUBLIC and MEMBERS listings in full (except confidential notes).
- CONFIDENTIAL listings and confidential notes: the owner and staff only.
- Drafts, submissions under review and archived listings: the owner and staff only.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from matchmaker.models import Achievement, ListingState, Need, User, Visibility

Listing = Achievement | Need


class Access(StrEnum):
    NONE = "none"
    SUMMARY = "summary"
    FULL = "full"
    OWNER = "owner"  # full, with confidential notes and editing


def _is_owner(user: User | None, listing: Listing) -> bool:
    return user is not None and listing.owner_id == user.id


def access(user: User | None, listing: Listing) -> Access:
    if user is not None and (user.is_staff or _is_owner(user, listing)):
        return Access.OWNER
    if listing.state != ListingState.PUBLISHED or listing.visibility == Visibility.CONFIDENTIAL:
        return Access.NONE
    if user is None:
        return Access.SUMMARY if listing.visibility == Visibility.PUBLIC else Access.NONE
    return Access.FULL


def can_edit(user: User | None, listing: Listing) -> bool:
    return user is not None and _is_owner(user, listing)


def browsable(
    model: type[Achievement] | type[Need], user: User | None
) -> sa.Select[tuple[Listing]]:
    """Published listings the user may find in lists and search."""
    allowed = [Visibility.PUBLIC] if user is None else [Visibility.PUBLIC, Visibility.MEMBERS]
    stmt = sa.select(model).where(model.state == ListingState.PUBLISHED)
    if user is not None and user.is_staff:
        return stmt  # type: ignore[return-value]
    condition = model.visibility.in_(allowed)
    if user is not None:
        condition = sa.or_(condition, model.owner_id == user.id)
    return stmt.where(condition)  # type: ignore[return-value]


def browsable_now(listing: Listing) -> bool:
    return listing.state == ListingState.PUBLISHED
