"""Who may see what. Every view that shows a listing goes through these rules.

- Anonymous visitors: published PUBLIC listings, summary fields only; a published MEMBERS
  listing is one they may see after signing in (`sign_in_to_see`: its page asks them to).
- Signed-in users: published PUBLIC and MEMBERS listings in full (except confidential notes).
- CONFIDENTIAL listings and confidential notes: the owner and staff only.
- Drafts, submissions under review and archived listings: the owner and staff only.
- Roadshows: staff only while being planned; everyone once registration opens.
- Expertise profiles (专家档案) follow the listing rules (published PUBLIC: a summary for
  anonymous visitors, in full for members; MEMBERS: members only; CONFIDENTIAL: the expert and
  staff only; invited or archived: the expert and staff only), and their contact details are
  never shown to other users — contact goes through the association (staff).
- Anything that names a listing to a person (notifications, e-mails, roadshow pages) shows
  its title only when `can_see` allows; otherwise a placeholder.

Pages, search, digests, notifications, exports and the API all ask here; nothing else decides.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from matchmaker.models import (
    Achievement,
    ExpertProfile,
    ExpertState,
    ListingState,
    Need,
    Roadshow,
    RoadshowState,
    User,
    Visibility,
)

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


def can_see(user: User | None, listing: Listing) -> bool:
    """Whether anything of the listing, its title included, may be shown to `user`."""
    return access(user, listing) != Access.NONE


def sign_in_to_see(user: User | None, listing: Listing) -> bool:
    """Whether an anonymous visitor who may not see the listing could see it as any signed-in
    member: a published MEMBERS listing. Anything else hidden (confidential, unpublished) stays
    hidden as if it did not exist."""
    return (
        user is None
        and access(None, listing) == Access.NONE
        and listing.state == ListingState.PUBLISHED
        and listing.visibility == Visibility.MEMBERS
    )


def levels(user: User | None) -> tuple[Visibility, ...] | None:
    """Visibility levels of published listings `user` may find; None means every level (staff).
    Owners also see their own confidential listings: callers that list them add that."""
    if user is not None and user.is_staff:
        return None
    if user is None:
        return (Visibility.PUBLIC,)
    return (Visibility.PUBLIC, Visibility.MEMBERS)


def index_filter(user: User | None) -> list[str] | None:
    """`levels` as the search index's visibility filter values."""
    allowed = levels(user)
    return None if allowed is None else [str(v) for v in allowed]


def can_edit(user: User | None, listing: Listing) -> bool:
    return user is not None and _is_owner(user, listing)


def browsable(
    model: type[Achievement] | type[Need], user: User | None
) -> sa.Select[tuple[Listing]]:
    """Published listings the user may find in lists and search."""
    allowed = levels(user)
    stmt = sa.select(model).where(model.state == ListingState.PUBLISHED)
    if allowed is None:
        return stmt  # type: ignore[return-value]
    condition = model.visibility.in_(allowed)
    if user is not None:
        condition = sa.or_(condition, model.owner_id == user.id)
    return stmt.where(condition)  # type: ignore[return-value]


def browsable_now(listing: Listing) -> bool:
    return listing.state == ListingState.PUBLISHED


# closed = the event is over and follow-ups are being recorded: participants still need it
PUBLIC_ROADSHOW_STATES = (
    RoadshowState.OPEN,
    RoadshowState.RUNNING,
    RoadshowState.CLOSED,
    RoadshowState.DONE,
)


def can_see_roadshow(user: User | None, roadshow: Roadshow) -> bool:
    """A roadshow still being planned exists only for staff."""
    return roadshow.state in PUBLIC_ROADSHOW_STATES or (user is not None and user.is_staff)


def expert_access(user: User | None, profile: ExpertProfile) -> Access:
    """`access` for an expertise profile: OWNER is the expert (their linked account) or staff."""
    if user is not None and (user.is_staff or profile.user_id == user.id):
        return Access.OWNER
    if profile.state != ExpertState.PUBLISHED or profile.visibility == Visibility.CONFIDENTIAL:
        return Access.NONE
    if user is None:
        return Access.SUMMARY if profile.visibility == Visibility.PUBLIC else Access.NONE
    return Access.FULL


def can_see_expert(user: User | None, profile: ExpertProfile) -> bool:
    """Whether anything of the profile, the name included, may be shown to `user`."""
    return expert_access(user, profile) != Access.NONE


def can_see_expert_contact(user: User | None, profile: ExpertProfile) -> bool:
    """E-mail and phone: staff and the expert only; everyone else contacts the association."""
    return expert_access(user, profile) == Access.OWNER


def can_edit_expert(user: User | None, profile: ExpertProfile) -> bool:
    return expert_access(user, profile) == Access.OWNER


def browsable_experts(user: User | None) -> sa.Select[ExpertProfile]:
    """Published profiles the user may find in lists (and their own, whatever its state)."""
    allowed = levels(user)
    stmt = sa.select(ExpertProfile)
    if allowed is None:
        return stmt.where(ExpertProfile.state == ExpertState.PUBLISHED)
    condition = sa.and_(
        ExpertProfile.state == ExpertState.PUBLISHED, ExpertProfile.visibility.in_(allowed)
    )
    if user is not None:
        condition = sa.or_(condition, ExpertProfile.user_id == user.id)
    return stmt.where(condition)
