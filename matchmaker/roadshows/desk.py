"""Registration desk of a roadshow: sign-up with capacity and waitlist, cancel, check-in.

Seats are decided by `matchmaker.roadshows.planning.roster.Roster`, built from the stored rows for
every change; arrival order is the registration id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core import audit, signed_links
from matchmaker.core.errors import NotFound, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.models import (
    LineupItem,
    Meeting,
    MeetingState,
    Registration,
    RegistrationStatus,
    Roadshow,
    RoadshowState,
    User,
)
from matchmaker.notifications import notify
from matchmaker.roadshows import calendar
from matchmaker.roadshows.planning.roster import (
    Roster,
    Seat,
    email_key,
    format_check_in_code,
    is_valid_check_in_code,
    new_check_in_code,
    normalise_check_in_code,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REGISTRABLE = (RoadshowState.OPEN, RoadshowState.RUNNING)


@dataclass(frozen=True)
class Applicant:
    name: str
    email: str
    phone: str | None = None
    organisation: str | None = None


class RegistrationState(StrEnum):
    """What the event page shows and what a registration gets: one rule for both."""

    NOT_YET_OPEN = "not_yet_open"  # still being planned
    OPEN = "open"  # a seat is free
    FULL = "full"  # open, but the next registration goes on the waitlist
    CLOSED = "closed"  # after the deadline (or the start), or the event is over


def registration_state(roadshow: Roadshow, now: datetime | None = None) -> RegistrationState:
    if roadshow.state == RoadshowState.PLANNING:
        return RegistrationState.NOT_YET_OPEN
    if roadshow.state not in REGISTRABLE:
        return RegistrationState.CLOSED
    if (now or utcnow()) > (roadshow.registration_deadline or roadshow.starts_at):
        return RegistrationState.CLOSED
    seated = sum(1 for r in roadshow.registrations if r.status == RegistrationStatus.REGISTERED)
    return RegistrationState.FULL if seated >= roadshow.capacity else RegistrationState.OPEN


def _require_registrable(roadshow: Roadshow) -> None:
    state = registration_state(roadshow)
    if state == RegistrationState.NOT_YET_OPEN:
        raise ValidationFailed("registration_not_open")
    if state == RegistrationState.CLOSED:
        raise ValidationFailed("registration_closed")


@dataclass(frozen=True)
class Counts:
    registered: int
    waitlisted: int
    checked_in: int
    capacity: int


def _roster(roadshow: Roadshow) -> Roster:
    seats = [
        Seat(email_key(r.email), r.status, order)
        for order, r in enumerate(_arrivals(roadshow), start=1)
        if r.status not in (RegistrationStatus.CANCELLED, RegistrationStatus.PENDING)
    ]
    return Roster(roadshow.capacity, seats)


def _arrivals(roadshow: Roadshow) -> list[Registration]:
    """Registrations in arrival order; coming back after cancelling counts as a new arrival."""
    return sorted(roadshow.registrations, key=lambda r: (r.created_at, r.id))


def _lock(session: Session, roadshow: Roadshow) -> None:
    """One seat change at a time per roadshow (PostgreSQL row lock; SQLite writes are serial)."""
    session.execute(sa.select(Roadshow.id).where(Roadshow.id == roadshow.id).with_for_update())
    session.refresh(roadshow, ["registrations"])


def register(
    session: Session,
    roadshow: Roadshow,
    applicant: Applicant,
    user: User | None = None,
    *,
    secret: str = "",
) -> Registration:
    """A seat or a place on the waitlist for a signed-in user. Without an account the
    registration is `pending` and holds no seat until the link mailed to the address is opened
    (`confirm`), so nobody can register someone else's e-mail (needs `secret` to sign the link).
    Raises for events not open (`registration_state`) and repeated e-mails."""
    _require_registrable(roadshow)
    name = applicant.name.strip()
    email = applicant.email.strip()
    if not name:
        raise ValidationFailed("name_required", field="name")
    if len(name) > 100:
        raise ValidationFailed("too_long", field="name", max=100)
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed("email_invalid", field="email")
    _lock(session, roadshow)
    key = email_key(email)
    previous = next((r for r in roadshow.registrations if email_key(r.email) == key), None)
    # an unconfirmed registration proves nothing: whoever registers the address next takes it
    if previous is not None and previous.status not in (
        RegistrationStatus.CANCELLED,
        RegistrationStatus.PENDING,
    ):
        if user is not None and previous.user_id is None:
            raise ValidationFailed("registered_by_link", field="email")
        raise ValidationFailed("already_registered", field="email")
    if user is None:
        return _pending(session, roadshow, previous, applicant, secret)
    change = _roster(roadshow).register(key)
    registration = previous or Registration(
        roadshow=roadshow,
        check_in_code=new_check_in_code(
            taken=set(session.scalars(sa.select(Registration.check_in_code)))
        ),
    )
    _fill(registration, applicant, user)
    registration.status = change.seat.status
    registration.checked_in_at = None
    registration.created_at = utcnow()  # a new arrival at the back of the queue
    session.add(registration)
    session.flush()
    _confirm(session, roadshow, registration, user)
    audit.record(
        session,
        user,
        "roadshow.registered",
        "roadshow",
        roadshow.id,
        status=str(change.seat.status),
    )
    return registration


def _fill(registration: Registration, applicant: Applicant, user: User | None) -> None:
    registration.user_id = user.id if user else None
    registration.organisation_id = user.organisation_id if user else None
    registration.name = applicant.name.strip()
    registration.email = applicant.email.strip()
    registration.phone = (applicant.phone or "").strip()[:40] or None
    registration.organisation_name = (applicant.organisation or "").strip()[:200] or (
        user.organisation.name if user and user.organisation else None
    )


def _pending(
    session: Session,
    roadshow: Roadshow,
    previous: Registration | None,
    applicant: Applicant,
    secret: str,
) -> Registration:
    registration = previous or Registration(
        roadshow=roadshow,
        check_in_code=new_check_in_code(
            taken=set(session.scalars(sa.select(Registration.check_in_code)))
        ),
    )
    _fill(registration, applicant, None)
    registration.status = RegistrationStatus.PENDING
    registration.checked_in_at = None
    registration.created_at = utcnow()
    session.add(registration)
    session.flush()
    session.add(
        notify.mail_only(
            registration.email,
            "roadshow_confirm_registration",
            f"{ticket_link(secret, registration)}/confirm",
            title=roadshow.title,
        )
    )
    audit.record(session, None, "roadshow.registration_pending", "roadshow", roadshow.id)
    return registration


def registration_token(secret: str, registration: Registration) -> str:
    """The signed link of a registration made without an account (ticket, confirm, cancel);
    it names the e-mail too, so it dies if the registration is given another address."""
    return signed_links.sign(
        secret,
        signed_links.REGISTRATION,
        {"r": registration.id, "e": email_key(registration.email)},
    )


def ticket_link(secret: str, registration: Registration) -> str:
    token = registration_token(secret, registration)
    return f"/roadshows/{registration.roadshow_id}/r/{token}"


def registration_for_token(session: Session, secret: str, token: str) -> Registration:
    payload = signed_links.read(secret, signed_links.REGISTRATION, token)
    registration = session.get(Registration, payload.get("r"))
    if registration is None or email_key(registration.email) != payload.get("e"):
        raise ValidationFailed("token_invalid")
    return registration


def confirm(session: Session, registration: Registration, *, secret: str) -> Registration:
    """The mailed link was opened: the pending registration takes a seat (or a waitlist place)
    as a new arrival. Opening it again changes nothing."""
    if registration.status != RegistrationStatus.PENDING:
        return registration
    roadshow = registration.roadshow
    _require_registrable(roadshow)
    _lock(session, roadshow)
    change = _roster(roadshow).register(email_key(registration.email))
    registration.status = change.seat.status
    registration.created_at = utcnow()
    session.flush()
    _confirm(session, roadshow, registration, None, secret=secret)
    audit.record(
        session,
        None,
        "roadshow.registered",
        "roadshow",
        roadshow.id,
        status=str(change.seat.status),
    )
    return registration


def _confirm(
    session: Session,
    roadshow: Roadshow,
    registration: Registration,
    user: User | None,
    *,
    secret: str = "",
) -> None:
    """Send the check-in code, so it is not lost with the confirmation page."""
    key = (
        "roadshow_registered"
        if registration.status == RegistrationStatus.REGISTERED
        else "roadshow_waitlisted"
    )
    code = format_check_in_code(registration.check_in_code)
    if user is not None:
        link = f"/roadshows/{roadshow.id}/ticket/{registration.id}"
        notify.notify(session, user, key, link, title=roadshow.title, code=code)
    else:
        link = ticket_link(secret, registration)
        session.add(
            notify.mail_only(registration.email, key, link, title=roadshow.title, code=code)
        )


def _tell_promoted(session: Session, roadshow: Roadshow, moved: Registration, secret: str) -> None:
    if moved.user is not None:
        link = f"/roadshows/{roadshow.id}/ticket/{moved.id}"
        notify.notify(session, moved.user, "roadshow_promoted", link, title=roadshow.title)
    elif secret:
        # the waitlist e-mail promised to tell them: people without an account too
        link = ticket_link(secret, moved)
        session.add(notify.mail_only(moved.email, "roadshow_promoted", link, title=roadshow.title))


def cancel(
    session: Session, registration: Registration, *, actor: User | None = None, secret: str = ""
) -> list[Registration]:
    """Cancel; returns the registrations promoted from the waitlist (they are told; people
    without an account by e-mail when `secret` is given to sign their links)."""
    roadshow = registration.roadshow
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    if registration.status == RegistrationStatus.PENDING:
        registration.status = RegistrationStatus.CANCELLED
        session.flush()
        return []
    _lock(session, roadshow)
    for meeting in session.scalars(
        sa.select(Meeting).where(
            Meeting.registration_id == registration.id,
            Meeting.state.in_(
                (MeetingState.REQUESTED, MeetingState.ACCEPTED, MeetingState.SCHEDULED)
            ),
        )
    ):
        meeting.state = MeetingState.CANCELLED
        meeting.slot_index = meeting.table_number = None
        item = session.get(LineupItem, meeting.lineup_item_id)
        if item is not None:
            notify.notify(
                session,
                item.achievement.owner,
                "roadshow_meeting_cancelled",
                f"/roadshows/{roadshow.id}/meetings",
                about=item.achievement,
                name=registration.name,
            )
    roster = _roster(roadshow)
    change = roster.cancel(email_key(registration.email))
    registration.status = RegistrationStatus.CANCELLED
    by_key = {email_key(r.email): r for r in roadshow.registrations}
    promoted = []
    for seat in change.promoted:
        moved = by_key[seat.key]
        moved.status = RegistrationStatus.REGISTERED
        promoted.append(moved)
        _tell_promoted(session, roadshow, moved, secret)
    audit.record(
        session,
        actor or registration.user,
        "roadshow.cancelled",
        "roadshow",
        roadshow.id,
        registration=registration.id,
    )
    session.flush()
    return promoted


def apply_capacity(session: Session, roadshow: Roadshow, secret: str = "") -> list[Registration]:
    """After the capacity grew: move the earliest waitlisted people up (and tell them)."""
    roster = _roster(roadshow)
    moved = {seat.key for seat in roster.set_capacity(roadshow.capacity)}
    promoted = [
        r
        for r in sorted(roadshow.registrations, key=lambda r: r.id)
        if r.status == RegistrationStatus.WAITLISTED and email_key(r.email) in moved
    ]
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        _tell_promoted(session, roadshow, registration, secret)
    session.flush()
    return promoted


def find_by_code(session: Session, roadshow: Roadshow, text: str) -> Registration:
    code = normalise_check_in_code(text)
    if not is_valid_check_in_code(code):
        raise ValidationFailed("code_invalid", field="code")
    found = session.scalar(
        sa.select(Registration).where(
            Registration.roadshow_id == roadshow.id, Registration.check_in_code == code
        )
    )
    if found is None or found.status == RegistrationStatus.PENDING:
        raise NotFound("code_unknown")  # an unconfirmed registration has no ticket yet
    return found


def check_in(
    session: Session, actor: User, roadshow: Roadshow, text: str, *, override: bool = False
) -> Registration:
    """Mark the person with this code as arrived; raises with a clear code otherwise. Only
    from the event day on, unless staff explicitly `override` it (audited)."""
    registration = find_by_code(session, roadshow, text)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationFailed("registration_cancelled")
    if registration.status == RegistrationStatus.WAITLISTED:
        raise ValidationFailed("registration_waitlisted")
    if registration.checked_in_at is not None:
        raise ValidationFailed("already_checked_in", name=registration.name)
    early = calendar.require_event_day(roadshow, override=override)
    registration.checked_in_at = utcnow()
    extra = {"override": True} if early else {}
    audit.record(
        session, actor, "roadshow.checked_in", "roadshow", roadshow.id, id=registration.id, **extra
    )
    session.flush()
    return registration


def counts(session: Session, roadshow: Roadshow) -> Counts:
    rows = session.execute(
        sa.select(
            Registration.status,
            sa.func.count(),
            sa.func.count(Registration.checked_in_at),
        )
        .where(Registration.roadshow_id == roadshow.id)
        .group_by(Registration.status)
    ).all()
    by_status = {status: (total, arrived) for status, total, arrived in rows}
    return Counts(
        registered=by_status.get(RegistrationStatus.REGISTERED, (0, 0))[0],
        waitlisted=by_status.get(RegistrationStatus.WAITLISTED, (0, 0))[0],
        checked_in=by_status.get(RegistrationStatus.REGISTERED, (0, 0))[1],
        capacity=roadshow.capacity,
    )


def registration_of(roadshow: Roadshow, user: User | None) -> Registration | None:
    """The user's live registration, by account only: an e-mail someone typed never links a
    registration to an account."""
    if user is None:
        return None
    return next(
        (
            r
            for r in roadshow.registrations
            if r.user_id == user.id and r.status != RegistrationStatus.CANCELLED
        ),
        None,
    )


def arrivals(session: Session, roadshow: Roadshow, limit: int = 20) -> list[Registration]:
    """The last people checked in, the latest first."""
    return list(
        session.scalars(
            sa.select(Registration)
            .where(Registration.roadshow_id == roadshow.id, Registration.checked_in_at.is_not(None))
            .order_by(Registration.checked_in_at.desc())
            .limit(limit)
        )
    )


def registrations(session: Session, roadshow: Roadshow) -> list[Registration]:
    """Everyone registered (in any status), in order of registration."""
    return list(
        session.scalars(
            sa.select(Registration)
            .where(Registration.roadshow_id == roadshow.id)
            .order_by(Registration.created_at, Registration.id)
        )
    )
