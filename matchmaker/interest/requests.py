"""Interest requests (一键表达意向 / 申请查看详情) and the access grants they lead to.

A signed-in person of the other side asks about a listing with a short message; the owner (or
staff) accepts — with or without the association's confidentiality agreement — declines with a
reason, or asks staff to mediate. Access opens to the requester's organisation as an
`AccessGrant`, which `matchmaker.visibility` consults on every channel; revoking closes it.

Every change takes the request's row lock first and checks the state again under it, so two
staff accepting at once make one grant and an accept racing a revoke ends consistently:
GRANTED ⇔ one active grant. The unique indexes (one live request, one active grant per
organisation and listing) stand behind that should two writers still meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaker import visibility
from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.interest import threads
from matchmaker.interest.listings import about_listings_of, listing_of
from matchmaker.interest.listings import load_listing as load_listing  # the pages' entry
from matchmaker.matching import scoring
from matchmaker.models import (
    LIVE_INTEREST_STATES,
    AccessGrant,
    Achievement,
    InterestRequest,
    InterestState,
    Match,
    Need,
    User,
)
from matchmaker.notifications import notify

Listing = visibility.Listing
MESSAGE_MAX = 1000
NOTE_MAX = 1000
MAX_PER_DAY = 10  # requests one person may send in 24 hours
RATE_WINDOW = timedelta(hours=24)
# why an owner says no; shown as words (web/interest/labels.py), "other" needs a note
DECLINE_REASONS = ("not_fit", "no_capacity", "already_partner", "incomplete_request", "other")
ANSWERABLE = (InterestState.OPEN, InterestState.MEDIATION)
REVOCABLE = (
    InterestState.GRANTED,
    InterestState.AGREEMENT_PENDING,
    InterestState.AWAITING_VERIFICATION,
)


def link(request: InterestRequest) -> str:
    return f"/interest/{request.id}"


def _staff(session: Session) -> list[User]:
    return list(
        session.scalars(
            sa.select(User).where(User.role.in_(("staff", "admin")), User.is_active.is_(True))
        )
    )


def lock(session: Session, request: InterestRequest) -> InterestRequest:
    """The request's row, locked and read again: the state every decision checks."""
    locked = session.scalar(
        sa.select(InterestRequest)
        .where(InterestRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


def _clean_text(value: str | None, field: str, maximum: int) -> str:
    text = (value or "").replace("\x00", "").strip()
    if len(text) > maximum:
        raise ValidationFailed("too_long", field=field, max=maximum)
    return text


# ---- asking ----------------------------------------------------------------------------------


def create(session: Session, actor: User, listing: Listing, message: str) -> InterestRequest:
    """Express interest in `listing`. Refused: own (organisation's) listings, the wrong side,
    an unpublished listing, a second live request of the same organisation, more than
    MAX_PER_DAY requests in 24 hours."""
    code = refusal(actor, listing)
    if code == "interest_own_listing":
        raise ValidationFailed(code)
    if code is not None:
        raise PermissionDenied(code)
    text = _clean_text(message, "message", MESSAGE_MAX)
    if not text:
        raise ValidationFailed("interest_message_required", field="message")
    # the requester's row lock serialises their own parallel requests: the count below cannot
    # be outrun (the same per-person lock as filing a listing)
    session.execute(sa.select(User.id).where(User.id == actor.id).with_for_update())
    since = utcnow() - RATE_WINDOW
    sent = session.scalar(
        sa.select(sa.func.count())
        .select_from(InterestRequest)
        .where(InterestRequest.requester_id == actor.id, InterestRequest.created_at >= since)
    )
    if (sent or 0) >= MAX_PER_DAY:
        raise ValidationFailed("interest_rate_limited", max=MAX_PER_DAY)
    if _live(session, actor.organisation_id, listing) is not None:
        raise ValidationFailed("interest_duplicate")
    assert actor.organisation_id is not None  # can_request demands one
    request = InterestRequest(
        listing_kind=listing.kind,
        listing_id=listing.id,
        requester_id=actor.id,
        organisation_id=actor.organisation_id,
        message=text,
        state=InterestState.OPEN,
    )
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        raise ValidationFailed("interest_duplicate") from None
    notify.notify(
        session,
        listing.owner,
        "interest_requested",
        link(request),
        email=False,
        about=listing,
        organisation=actor.organisation.name if actor.organisation else "",
    )
    audit.record(
        session,
        actor,
        "interest.requested",
        "interest_request",
        request.id,
        listing=f"{listing.kind}:{listing.id}",
    )
    return request


def refusal(actor: User, listing: Listing) -> str | None:
    """Why `actor` may not ask about `listing` (an error code), or None when they may."""
    if actor.is_staff:
        return "interest_staff_do_not_ask"
    if listing.owner_id == actor.id or (
        listing.organisation_id is not None and listing.organisation_id == actor.organisation_id
    ):
        return "interest_own_listing"
    if not visibility.can_request(actor, listing):
        return "interest_not_allowed"
    return None


def _live(
    session: Session, organisation_id: int | None, listing: Listing
) -> InterestRequest | None:
    if organisation_id is None:
        return None
    return session.scalar(
        sa.select(InterestRequest).where(
            InterestRequest.organisation_id == organisation_id,
            InterestRequest.listing_kind == listing.kind,
            InterestRequest.listing_id == listing.id,
            InterestRequest.state.in_(LIVE_INTEREST_STATES),
        )
    )


def live_request(session: Session, user: User, listing: Listing) -> InterestRequest | None:
    """The user's organisation's live request about `listing` (the page shows its state)."""
    return _live(session, user.organisation_id, listing)


# ---- answering -------------------------------------------------------------------------------


def _require_answerer(actor: User, listing: Listing) -> None:
    if not (actor.is_staff or listing.owner_id == actor.id):
        raise PermissionDenied("not_owner")


def accept(
    session: Session, actor: User, request: InterestRequest, *, agreement_required: bool
) -> InterestRequest:
    """The owner or staff accept. With an agreement required the requester must accept the
    confidentiality agreement (or have a signed copy verified) before access opens; without,
    access opens now. Accepting an accepted request is refused, saying so."""
    listing = listing_of(session, request)
    _require_answerer(actor, listing)
    request = lock(session, request)
    if request.state in REVOCABLE:
        raise ValidationFailed("interest_already_accepted")
    if request.state not in ANSWERABLE:
        raise ValidationFailed("transition_not_allowed")
    before = request.state
    request.agreement_required = agreement_required
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    if agreement_required:
        request.state = InterestState.AGREEMENT_PENDING
        key = "interest_agreement_needed"
    else:
        _grant(session, actor, request)
        key = "interest_granted"
    notify.notify(session, request.requester, key, link(request), email=False, about=listing)
    audit.record(
        session,
        actor,
        "interest.accepted",
        "interest_request",
        request.id,
        agreement_required=agreement_required,
        **{"from": before, "to": request.state},
    )
    session.flush()
    return request


def decline(
    session: Session, actor: User, request: InterestRequest, reason: str, note: str | None
) -> InterestRequest:
    """The owner or staff decline with a reason from DECLINE_REASONS (and a note for
    "other")."""
    listing = listing_of(session, request)
    _require_answerer(actor, listing)
    if reason not in DECLINE_REASONS:
        raise ValidationFailed("interest_reason_required", field="reason")
    text = _clean_text(note, "note", NOTE_MAX)
    if reason == "other" and not text:
        raise ValidationFailed("interest_note_required", field="note")
    request = lock(session, request)
    if request.state in REVOCABLE:
        raise ValidationFailed("interest_already_accepted")
    if request.state not in ANSWERABLE:
        raise ValidationFailed("transition_not_allowed")
    before = request.state
    request.state = InterestState.DECLINED
    request.decline_reason = reason
    request.decline_note = text or None
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    notify.notify(
        session,
        request.requester,
        "interest_declined",
        link(request),
        email=False,
        about=listing,
        decline_reason=reason,
    )
    audit.record(
        session,
        actor,
        "interest.declined",
        "interest_request",
        request.id,
        reason=reason,
        **{"from": before, "to": request.state},
    )
    session.flush()
    return request


def ask_mediation(
    session: Session, actor: User, request: InterestRequest, note: str | None
) -> InterestRequest:
    """The owner asks the association to mediate: staff are told; the request stays open for
    the owner and staff to answer."""
    listing = listing_of(session, request)
    if listing.owner_id != actor.id:
        raise PermissionDenied("not_owner")
    text = _clean_text(note, "note", NOTE_MAX)
    request = lock(session, request)
    if request.state != InterestState.OPEN:
        raise ValidationFailed("transition_not_allowed")
    request.state = InterestState.MEDIATION
    for person in _staff(session):
        notify.notify(
            session, person, "interest_mediation", link(request), email=False, about=listing
        )
    audit.record(
        session,
        actor,
        "interest.mediation",
        "interest_request",
        request.id,
        note=text or None,
        **{"from": InterestState.OPEN, "to": InterestState.MEDIATION},
    )
    session.flush()
    return request


def _grant(session: Session, actor: User | None, request: InterestRequest) -> AccessGrant:
    """Open the listing to the requester's organisation (the request is locked by the caller),
    and the conversation between the requester, the owner and staff."""
    grant = AccessGrant(
        listing_kind=request.listing_kind,
        listing_id=request.listing_id,
        organisation_id=request.organisation_id,
        request_id=request.id,
        granted_by_id=actor.id if actor else None,
    )
    try:
        with session.begin_nested():
            session.add(grant)
            session.flush()
    except IntegrityError:
        # another request of the organisation already holds the listing open
        raise ValidationFailed("interest_already_accepted") from None
    request.state = InterestState.GRANTED
    threads.open_for(session, actor, request)
    return grant


def grant_after_agreement(session: Session, actor: User | None, request: InterestRequest) -> None:
    """Called by `agreements` once the agreement is accepted or a signed copy verified: the
    request must still be waiting for it (locked and checked here)."""
    request = lock(session, request)
    if request.state not in (InterestState.AGREEMENT_PENDING, InterestState.AWAITING_VERIFICATION):
        raise ValidationFailed("transition_not_allowed")
    _grant(session, actor, request)
    listing = listing_of(session, request)
    notify.notify(
        session, request.requester, "interest_granted", link(request), email=False, about=listing
    )
    notify.notify(
        session,
        listing.owner,
        "interest_agreement_accepted",
        link(request),
        email=False,
        about=listing,
    )


def revoke(session: Session, actor: User, request: InterestRequest, note: str | None) -> None:
    """The owner or staff close the access again (audited); it closes on every channel at
    once because visibility reads the grant on each request."""
    listing = listing_of(session, request)
    _require_answerer(actor, listing)
    text = _clean_text(note, "note", NOTE_MAX)
    request = lock(session, request)
    if request.state not in REVOCABLE:
        raise ValidationFailed("interest_not_granted")
    before = request.state
    now = utcnow()
    for grant in session.scalars(
        sa.select(AccessGrant).where(
            AccessGrant.request_id == request.id, AccessGrant.revoked_at.is_(None)
        )
    ):
        grant.revoked_at = now
        grant.revoked_by_id = actor.id
        grant.revoke_note = text or None
    request.state = InterestState.REVOKED
    notify.notify(
        session, request.requester, "interest_revoked", link(request), email=False, about=listing
    )
    audit.record(
        session,
        actor,
        "interest.revoked",
        "interest_request",
        request.id,
        note=text or None,
        **{"from": before, "to": request.state},
    )
    session.flush()


# ---- reading ---------------------------------------------------------------------------------


def can_view(user: User, request: InterestRequest, listing: Listing) -> bool:
    """The requester (and colleagues of the requesting organisation), the owner and staff."""
    return (
        user.is_staff
        or listing.owner_id == user.id
        or request.requester_id == user.id
        or (user.organisation_id is not None and user.organisation_id == request.organisation_id)
    )


def can_answer(user: User, request: InterestRequest, listing: Listing) -> bool:
    return (user.is_staff or listing.owner_id == user.id) and request.state in ANSWERABLE


def can_revoke(user: User, request: InterestRequest, listing: Listing) -> bool:
    return (user.is_staff or listing.owner_id == user.id) and request.state in REVOCABLE


def mine(session: Session, user: User) -> list[InterestRequest]:
    """Requests the user sent (我的意向), newest first."""
    return list(
        session.scalars(
            sa.select(InterestRequest)
            .where(InterestRequest.requester_id == user.id)
            .order_by(InterestRequest.id.desc())
        )
    )


def incoming(session: Session, user: User) -> list[InterestRequest]:
    """Requests about the user's own listings, newest first."""
    return list(
        session.scalars(
            sa.select(InterestRequest)
            .where(about_listings_of(user))
            .order_by(InterestRequest.id.desc())
        )
    )


def everything(
    session: Session, state: InterestState | None = None, limit: int = 500
) -> list[InterestRequest]:
    """Every request (staff), optionally in one state, newest first."""
    stmt = sa.select(InterestRequest).order_by(InterestRequest.id.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(InterestRequest.state == state)
    return list(session.scalars(stmt))


def match_strength(session: Session, request: InterestRequest, listing: Listing) -> str | None:
    """The band (high / medium / low) of the best match between the listing and one of the
    requesting organisation's listings, or None when there is none."""
    if isinstance(listing, Achievement):
        stmt = (
            sa.select(sa.func.max(Match.score))
            .join(Need, Need.id == Match.need_id)
            .where(
                Match.achievement_id == listing.id,
                Need.organisation_id == request.organisation_id,
            )
        )
    else:
        stmt = (
            sa.select(sa.func.max(Match.score))
            .join(Achievement, Achievement.id == Match.achievement_id)
            .where(
                Match.need_id == listing.id,
                Achievement.organisation_id == request.organisation_id,
            )
        )
    best = session.scalar(stmt)
    return scoring.strength(float(best)) if best is not None else None


@dataclass(frozen=True)
class Row:
    """A request with what a list shows of it."""

    request: InterestRequest
    listing: Listing
    strength: str | None


def rows(session: Session, requests: list[InterestRequest]) -> list[Row]:
    return [
        Row(r, listing, match_strength(session, r, listing))
        for r in requests
        for listing in [listing_of(session, r)]
    ]
