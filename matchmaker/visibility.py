"""Who may see what. Every view that shows a listing goes through these rules.

- Anonymous visitors: published PUBLIC listings, summary fields only; a published MEMBERS
  listing is one they may see after signing in (`sign_in_to_see`: its page asks them to).
- Signed-in users: published PUBLIC and MEMBERS listings in full (except confidential notes).
- CONFIDENTIAL listings and confidential notes: the owner and staff only.
- Drafts, submissions under review and archived listings: the owner and staff only.
- Access grants (issue 21): an organisation whose interest request was accepted (and whose
  agreement, where one was required, was accepted) sees a published CONFIDENTIAL listing in full
  and the parts the owner kept "after agreement" (`can_see_protected`). A revoked grant counts
  for nothing, at once, on every channel. Stored messages (notifications, e-mails) name a
  listing only when the reader may see it without a grant (`can_name`): a grant can be revoked,
  a sent message cannot.
- Interest requests: signed-in people of the other side may ask about any published listing
  (`can_request`), confidential ones included; they see its title only where `can_see` allows.
- Roadshows: staff only while being planned; everyone once registration opens.
- Expertise profiles (专家档案) follow the listing rules (published PUBLIC: a summary for
  anonymous visitors, in full for members; MEMBERS: members only; CONFIDENTIAL: the expert and
  staff only; invited or archived: the expert and staff only), and their contact details are
  never shown to other users — contact goes through the association (staff).
- Anything that names a listing to a person (notifications, e-mails, roadshow pages) shows
  its title only when `can_see` allows; otherwise a placeholder.
- Conversations (洽谈记录): staff read and write every one; the two parties of its subject
  read it once the subject is open to them (a match from "introduced" on) and write while it is
  still running; nobody else, ever. Who the parties are is asked of the subject's resolver
  (registered per kind, e.g. matchmaker.conversations.subjects for matches).

Pages, search, digests, notifications, exports and the API all ask here; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from matchmaker.models import (
    AccessGrant,
    Achievement,
    Conversation,
    ExpertProfile,
    ExpertState,
    ListingState,
    Need,
    ProtectedPart,
    Roadshow,
    RoadshowState,
    Role,
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


def has_grant(user: User | None, listing: Listing) -> bool:
    """Whether the user's organisation holds an active (not revoked) access grant on the
    listing. Asked of the database each time, so a revocation counts on the next request."""
    if user is None or user.organisation_id is None or listing.id is None:
        return False
    session = object_session(listing)
    if session is None:
        return False
    found = session.scalar(
        sa.select(AccessGrant.id)
        .where(
            AccessGrant.organisation_id == user.organisation_id,
            AccessGrant.listing_kind == listing.kind,
            AccessGrant.listing_id == listing.id,
            AccessGrant.revoked_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


def access(user: User | None, listing: Listing, *, grants: bool = True) -> Access:
    """How much of `listing` the user may see. `grants=False` leaves access grants out (what
    the user sees without any, for messages that outlive a revocation)."""
    if user is not None and (user.is_staff or _is_owner(user, listing)):
        return Access.OWNER
    if listing.state != ListingState.PUBLISHED:
        return Access.NONE
    if listing.visibility == Visibility.CONFIDENTIAL:
        return Access.FULL if grants and has_grant(user, listing) else Access.NONE
    if user is None:
        return Access.SUMMARY if listing.visibility == Visibility.PUBLIC else Access.NONE
    return Access.FULL


def can_see(user: User | None, listing: Listing) -> bool:
    """Whether anything of the listing, its title included, may be shown to `user`."""
    return access(user, listing) != Access.NONE


def can_name(user: User | None, listing: Listing) -> bool:
    """Whether a stored message to `user` (notification, e-mail, digest) may hold the title:
    only when the user sees the listing without a revocable access grant."""
    return access(user, listing, grants=False) != Access.NONE


def is_protected(listing: Listing, part: ProtectedPart | str) -> bool:
    """Whether the owner kept `part` for after an agreement."""
    return str(part) in (listing.protected_parts or [])


def can_see_protected(user: User | None, listing: Listing, part: ProtectedPart | str) -> bool:
    """Whether `part` (details, attachments, price) may be shown to `user`: the owner and staff
    always; others when they see the listing in full and either the part is not protected or
    their organisation holds an active grant."""
    level = access(user, listing)
    if level == Access.OWNER:
        return True
    if level != Access.FULL:
        return False
    return not is_protected(listing, part) or has_grant(user, listing)


# who asks about whose listings: enterprises about achievements, researchers about needs
REQUESTER_ROLE = {"achievement": Role.ENTERPRISE, "need": Role.RESEARCHER}


def can_request(user: User | None, listing: Listing) -> bool:
    """Whether `user` may ask for more about `listing` (一键表达意向): a signed-in person of
    the other side, with an organisation, about a published listing not their organisation's.
    Staff do not ask: they see everything."""
    return (
        user is not None
        and user.role == REQUESTER_ROLE[listing.kind]
        and user.organisation_id is not None
        and listing.state == ListingState.PUBLISHED
        and not _is_owner(user, listing)
        and listing.organisation_id != user.organisation_id
    )


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


# --- conversations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Parties:
    """The two sides of a conversation's subject, as its resolver sees them now."""

    user_ids: frozenset[int]
    is_readable: bool  # the parties may read the thread (a match: introduced or later)
    is_writable: bool  # ... and still write in it (a match: not dropped)


NO_PARTIES = Parties(frozenset(), False, False)
# subject kind → resolver(session, subject id) → Parties (None: the subject is gone)
SubjectResolver = Callable[[Session, int], Parties | None]
_SUBJECTS: dict[str, SubjectResolver] = {}


def register_conversation_subject(kind: str, resolver: SubjectResolver) -> None:
    """A feature whose records can have a conversation names its parties here, once."""
    _SUBJECTS[kind] = resolver


def conversation_subject_kinds() -> tuple[str, ...]:
    return tuple(_SUBJECTS)


def subject_parties(session: Session, kind: str, subject_id: int) -> Parties | None:
    """The parties of a subject; None when there is no such subject (or kind)."""
    resolver = _SUBJECTS.get(kind)
    return resolver(session, subject_id) if resolver is not None else None


def conversation_parties(conversation: Conversation) -> Parties:
    session = object_session(conversation)
    if session is None:
        return NO_PARTIES
    found = subject_parties(session, conversation.subject_kind, conversation.subject_id)
    return found or NO_PARTIES


def can_open_subject_thread(
    session: Session, user: User | None, kind: str, subject_id: int
) -> bool:
    """Whether `user` may open (and so start) the thread of a subject that has none yet."""
    parties = subject_parties(session, kind, subject_id)
    if user is None or parties is None:
        return False
    return user.is_staff or (parties.is_readable and user.id in parties.user_ids)


def can_read_conversation(user: User | None, conversation: Conversation) -> bool:
    """Messages, attachments, meeting proposals and the thread's very existence."""
    if user is None:
        return False
    if user.is_staff:
        return True
    parties = conversation_parties(conversation)
    return parties.is_readable and user.id in parties.user_ids


def can_write_conversation(user: User | None, conversation: Conversation) -> bool:
    """Posting, proposing and answering meetings, reporting an agreement."""
    if user is None or not can_read_conversation(user, conversation):
        return False
    return user.is_staff or conversation_parties(conversation).is_writable


def is_conversation_party(user: User | None, conversation: Conversation) -> bool:
    """One of the two sides (not staff): they propose and accept meetings, report agreement."""
    return (
        user is not None
        and not user.is_staff
        and user.id in conversation_parties(conversation).user_ids
    )


# --- expertise profiles ----------------------------------------------------------------------


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
