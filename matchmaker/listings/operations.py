"""Use cases of achievements and needs: draft, submit, publish, return, withdraw, archive.

Every state change is checked against the allowed transitions, recorded in the audit log and
queues the search index to follow once the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.config import Settings
from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.duplicates import guards as duplicates
from matchmaker.listings import uploads, validity
from matchmaker.models import Achievement, ListingState, Need, Role, User
from matchmaker.notifications import notify
from matchmaker.saved_searches import operations as saved_searches
from matchmaker.search.engine import SearchEngine
from matchmaker.search.indexing import queue_sync

Listing = Achievement | Need

# who may move a listing from one state to another
OWNER_TRANSITIONS = {
    (ListingState.DRAFT, ListingState.SUBMITTED),
    (ListingState.RETURNED, ListingState.SUBMITTED),
    (ListingState.SUBMITTED, ListingState.DRAFT),  # withdraw before review
    (ListingState.PUBLISHED, ListingState.ARCHIVED),
    (ListingState.EXPIRED, ListingState.ARCHIVED),
}
STAFF_TRANSITIONS = {
    (ListingState.SUBMITTED, ListingState.PUBLISHED),
    (ListingState.SUBMITTED, ListingState.RETURNED),
    (ListingState.PUBLISHED, ListingState.RETURNED),
    (ListingState.PUBLISHED, ListingState.ARCHIVED),
    (ListingState.EXPIRED, ListingState.ARCHIVED),
}
EDITABLE_STATES = {ListingState.DRAFT, ListingState.RETURNED}


def _check_owner(actor: User, listing: Listing) -> None:
    if listing.owner_id != actor.id:
        raise PermissionDenied("not_owner")


def create(session: Session, actor: User, listing: Listing) -> Listing:
    """Save a new listing as a draft owned by `actor` and their organisation."""
    expected_role = Role.RESEARCHER if isinstance(listing, Achievement) else Role.ENTERPRISE
    if actor.role != expected_role:
        raise PermissionDenied("wrong_role")
    listing.owner = actor
    listing.organisation_id = actor.organisation_id
    listing.state = ListingState.DRAFT
    session.add(listing)
    session.flush()
    audit.record(session, actor, f"{listing.kind}.created", listing.kind, listing.id)
    return listing


@dataclass(frozen=True)
class Filed:
    """What filing a new listing came to: saved, already saved a moment ago (a double submit;
    `listing` is the earlier one), or held back because it reads like one the organisation
    already has (`similar`; nothing saved until the owner confirms)."""

    listing: Listing | None
    already_saved: bool = False
    similar: list[duplicates.Candidate] = field(default_factory=list)


def file_listing(
    session: Session,
    actor: User,
    draft: Listing,
    *,
    settings: Settings,
    engine: SearchEngine,
    check_similar: bool = True,
    attachment_key: str | None = None,
    submit: bool = False,
) -> Filed:
    """File a new listing from the web form or the API: the double-submit guard, the
    same-organisation near-duplicate check, the draft itself, its pending upload and, when
    asked, the submission for review."""
    model = type(draft)
    # one filing per person at a time: the lock makes a second identical POST (a double click,
    # a retried request) wait for the first to commit, then find it as already saved
    session.execute(sa.update(User).where(User.id == actor.id).values(email=User.email))
    existing = duplicates.recent_same_title(session, model, actor, draft.title)
    if existing is not None:
        return Filed(existing, already_saved=True)
    draft.organisation_id = actor.organisation_id
    if check_similar:
        similar = duplicates.same_organisation(
            session, draft, duplicates.available_engine(settings, engine)
        )
        if similar:
            return Filed(None, similar=similar)
    listing = create(session, actor, draft)
    if attachment_key and isinstance(listing, Achievement):
        uploads.attach_pending(session, settings.upload_dir, actor, attachment_key, listing)
    if submit:
        transition(
            session, actor, listing, ListingState.SUBMITTED, settings=settings, engine=engine
        )
    return Filed(listing)


def update(session: Session, actor: User, listing: Listing, changes: dict[str, Any]) -> Listing:
    """Owners edit drafts and returned listings; published ones must be withdrawn first."""
    _check_owner(actor, listing)
    if listing.state not in EDITABLE_STATES:
        raise ValidationFailed("not_editable")
    for name, value in changes.items():
        setattr(listing, name, value)
    session.flush()
    audit.record(
        session, actor, f"{listing.kind}.updated", listing.kind, listing.id, fields=sorted(changes)
    )
    return listing


def transition(
    session: Session,
    actor: User,
    listing: Listing,
    target: ListingState,
    comment: str | None = None,
    *,
    settings: Settings,
    engine: SearchEngine,
    near_duplicates: list[duplicates.Candidate] | None = None,
) -> Listing:
    """Move a listing to `target` if `actor` may. `engine` finds near-duplicates of other
    organisations on submission (not used when search is off or the index does not answer);
    `near_duplicates` are those already found (by a bulk import, before its write)."""
    source = listing.state
    move = (source, target)
    allowed = (actor.is_staff and move in STAFF_TRANSITIONS) or (
        listing.owner_id == actor.id and move in OWNER_TRANSITIONS
    )
    if not allowed:
        raise PermissionDenied("transition_not_allowed", source=str(source), target=str(target))
    if target == ListingState.RETURNED and not (comment and comment.strip()):
        raise ValidationFailed("return_needs_comment", field="comment")
    listing.state = target
    if target == ListingState.RETURNED:
        listing.review_comment = comment.strip() if comment else None
    if target == ListingState.PUBLISHED:
        now = utcnow()
        listing.published_at = now
        validity.start_validity(settings, listing, now)
        listing.review_comment = None
    session.flush()
    audit.record(
        session,
        actor,
        f"{listing.kind}.{target.value}",
        listing.kind,
        listing.id,
        source=str(source),
        target=str(target),
        comment=comment,
    )
    queue_sync(session, listing)
    if target == ListingState.SUBMITTED:
        duplicates.flag_for_staff(
            session,
            listing,
            duplicates.available_engine(settings, engine),
            found=near_duplicates,
        )
    if target == ListingState.PUBLISHED and isinstance(listing, Need):
        saved_searches.ensure_need_alert(session, listing)
    _tell_people(session, listing, target, comment)
    return listing


def _tell_people(
    session: Session, listing: Listing, target: ListingState, comment: str | None
) -> None:
    link = f"/my/{listing.kind}/{listing.id}/edit"
    if target == ListingState.PUBLISHED:
        notify.notify(session, listing.owner, "listing_published", link, title=listing.title)
    elif target == ListingState.RETURNED:
        notify.notify(
            session,
            listing.owner,
            "listing_returned",
            link,
            title=listing.title,
            comment=comment or "",
        )
