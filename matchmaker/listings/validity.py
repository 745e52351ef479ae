"""Validity of published listings: expiry dates, renewal reminders, expiry and renewal.

A published listing is valid until `expires_at`. Reminders go out `renewal_nudge_days` before
(14 and 3 by default), each at most once per expiry date, with a signed "still valid" link. On
the day it expires the listing becomes EXPIRED: it leaves search and matching (the index sync
removes it), nothing is deleted, and the owner can renew it whenever they like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.config import Settings
from matchmaker.core import audit, signed_links
from matchmaker.core.errors import NotFound, PermissionDenied, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.models import Achievement, ListingState, Match, Need, User
from matchmaker.notifications import notify
from matchmaker.search.documents import KINDS
from matchmaker.search.indexing import queue_sync

Listing = Achievement | Need
RENEWABLE = (ListingState.PUBLISHED, ListingState.EXPIRED)


def validity(settings: Settings, listing: Listing) -> timedelta:
    return timedelta(days=listing.validity_days or settings.validity_days(listing.kind))


def start_validity(settings: Settings, listing: Listing, now: datetime | None = None) -> None:
    """A new validity period from `now` (on publication and on renewal)."""
    listing.expires_at = (now or utcnow()) + validity(settings, listing)
    listing.renewal_nudged_days = None


# --- links ---------------------------------------------------------------------------------


def renewal_token(settings: Settings, listing: Listing) -> str:
    """Bound to the owner and the current expiry date: once used (or after any renewal) the
    same link no longer extends anything."""
    return signed_links.sign(
        settings.secret_key,
        signed_links.RENEWAL,
        {
            "k": listing.kind,
            "i": listing.id,
            "u": listing.owner_id,
            "e": int(listing.expires_at.timestamp()) if listing.expires_at else 0,
        },
    )


def renewal_link(settings: Settings, listing: Listing) -> str:
    return f"/renew/{renewal_token(settings, listing)}"


def listing_for_token(session: Session, settings: Settings, token: str) -> Listing:
    """The listing a genuine renewal link is for; `token_used` once it was renewed since."""
    payload = signed_links.read(settings.secret_key, signed_links.RENEWAL, token)
    model = KINDS.get(str(payload.get("k")))
    listing = session.get(model, payload.get("i")) if model else None
    if listing is None or listing.owner_id != payload.get("u"):
        raise NotFound("token_invalid")
    current = int(listing.expires_at.timestamp()) if listing.expires_at else 0
    if current != payload.get("e") or listing.state not in RENEWABLE:
        raise ValidationFailed("token_used")
    return listing


# --- renewal -------------------------------------------------------------------------------


def renew(session: Session, settings: Settings, actor: User | None, listing: Listing) -> Listing:
    """Extend a published or expired listing by its validity from today. `actor` is None when
    a signed link from the owner's mailbox renews it."""
    if actor is not None and not (actor.is_staff or actor.id == listing.owner_id):
        raise PermissionDenied("not_owner")
    if listing.state not in RENEWABLE:
        raise ValidationFailed("not_renewable")
    was_expired = listing.state == ListingState.EXPIRED
    start_validity(settings, listing)
    listing.state = ListingState.PUBLISHED
    session.flush()
    audit.record(
        session,
        actor,
        f"{listing.kind}.renewed",
        listing.kind,
        listing.id,
        expires_at=listing.expires_at.isoformat() if listing.expires_at else None,
        from_state=ListingState.EXPIRED.value if was_expired else ListingState.PUBLISHED.value,
        via="link" if actor is None else "app",
    )
    if was_expired:
        queue_sync(session, listing)  # back into search and matching
    return listing


# --- the daily run -------------------------------------------------------------------------


@dataclass
class DailyReport:
    nudged: int = 0
    expired: int = 0


def _published(model: type[Listing]) -> sa.Select[tuple[Listing]]:
    return sa.select(model).where(  # type: ignore[return-value]
        model.state == ListingState.PUBLISHED, model.expires_at.is_not(None)
    )


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Published listings past their expiry date become EXPIRED (and leave the index)."""
    now = now or utcnow()
    count = 0
    for model in (Achievement, Need):
        for listing in session.scalars(_published(model).where(model.expires_at <= now)).all():
            listing.state = ListingState.EXPIRED
            session.flush()
            audit.record(
                session,
                None,
                f"{listing.kind}.expired",
                listing.kind,
                listing.id,
                expires_at=listing.expires_at.isoformat() if listing.expires_at else None,
            )
            queue_sync(session, listing)
            notify.notify(
                session,
                listing.owner,
                "listing_expired",
                f"/my/{listing.kind}/{listing.id}/edit",
                title=listing.title,
            )
            count += 1
    return count


def _due_nudge(settings: Settings, listing: Listing, now: datetime) -> int | None:
    """The reminder threshold (in days) to send now, if any: the smallest one reached that has
    not been sent for this expiry date (reaching 3 days without the 14-day one sends just one)."""
    assert listing.expires_at is not None
    left = listing.expires_at - now
    reached = [d for d in settings.renewal_nudge_days if left <= timedelta(days=d)]
    if not reached:
        return None
    threshold = min(reached)
    sent = listing.renewal_nudged_days
    return threshold if sent is None or sent > threshold else None


def send_nudges(session: Session, settings: Settings, now: datetime | None = None) -> int:
    now = now or utcnow()
    horizon = now + timedelta(days=max(settings.renewal_nudge_days, default=0))
    count = 0
    for model in (Achievement, Need):
        stmt = _published(model).where(model.expires_at > now, model.expires_at <= horizon)
        for listing in session.scalars(stmt).all():
            threshold = _due_nudge(settings, listing, now)
            if threshold is None:
                continue
            assert listing.expires_at is not None
            days_left = max((listing.expires_at - now).days, 0)
            notify.notify(
                session,
                listing.owner,
                "renewal_nudge",
                renewal_link(settings, listing),
                title=listing.title,
                days=days_left,
                date=listing.expires_at.date().isoformat(),
            )
            listing.renewal_nudged_days = threshold
            count += 1
    session.flush()
    return count


def run_daily(session: Session, settings: Settings, now: datetime | None = None) -> DailyReport:
    """What beat runs once a day: expire what is due, then remind what is close."""
    now = now or utcnow()
    report = DailyReport(expired=expire_due(session, now))
    report.nudged = send_nudges(session, settings, now)
    return report


# --- for staff and the review queue --------------------------------------------------------


def upcoming_expiries(
    session: Session, days: int = 14, limit: int = 50, now: datetime | None = None
) -> list[Listing]:
    """Published listings expiring within `days`, soonest first."""
    now = now or utcnow()
    found: list[Listing] = []
    for model in (Achievement, Need):
        stmt = _published(model).where(model.expires_at <= now + timedelta(days=days))
        found.extend(session.scalars(stmt.order_by(model.expires_at).limit(limit)).all())
    return sorted(found, key=lambda item: (item.expires_at, item.kind, item.id))[:limit]


def expired_reason(match: Match) -> str | None:
    """Why a match no longer belongs in the open review queue, as a message code
    (web/messages.py translates it), or None while both sides are live."""
    for side, listing in (("need", match.need), ("achievement", match.achievement)):
        if listing is None:
            continue  # an expert's match: only the need has a listing's lifecycle
        if listing.merged_into_id is not None:
            return f"{side}_merged"
        if listing.state == ListingState.EXPIRED:
            return f"{side}_expired"
        if listing.state == ListingState.ARCHIVED:
            return f"{side}_archived"
    return None
