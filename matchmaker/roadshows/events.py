"""Roadshows for staff: the event itself, its lineup, publishing and invitations.

Times come in as wall-clock times in the event's zone and are stored as UTC instants
(`matchmaker.roadshows.planning.timeslots.to_utc`). The lineup is recommended by
`matchmaker.roadshows.planning.lineup` over the open needs in the theme fields and region, scored by
their proposed or approved matches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed, raise_all
from matchmaker.matching import scoring
from matchmaker.models import (
    Achievement,
    LineupItem,
    ListingState,
    Match,
    MatchState,
    Need,
    Notification,
    Roadshow,
    RoadshowState,
    User,
)
from matchmaker.notifications import notify
from matchmaker.roadshows import calendar
from matchmaker.roadshows.planning import lineup as lineup_solver
from matchmaker.roadshows.planning.timeslots import to_utc

TITLE_MAX = 200
SCORING_STATES = (MatchState.PROPOSED, MatchState.APPROVED)
EDITABLE_STATES = (RoadshowState.PLANNING, RoadshowState.OPEN)


@dataclass(frozen=True)
class RoadshowForm:
    """What staff type; times are naive wall-clock times in `timezone`."""

    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str = "Asia/Shanghai"
    description: str = ""
    theme_fields: tuple[str, ...] = ()
    region: str | None = None
    venue: str | None = None
    online_url: str | None = None
    capacity: int = 100
    presentation_slots: int = 8
    registration_deadline: datetime | None = None
    meetings_start: datetime | None = None  # None: right after the presentations


@dataclass(frozen=True)
class Invitee:
    enterprise: User
    reasons: tuple[tuple[str, str], ...]  # (achievement title, need title)
    weight: float = 0.0
    presentations: int = 0  # presented achievements that fit at least one of their needs
    invited: bool = False  # an invitation to this roadshow was already sent


@dataclass
class _Coverage:
    needs: dict[int, Need] = field(default_factory=dict)
    scores: list[lineup_solver.MatchScore] = field(default_factory=list)


def require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied("staff_only")


def _clean(form: RoadshowForm) -> dict[str, object]:
    """The form's values, or every problem at once (FormInvalid) so staff fix them in one go."""
    problems: list[ValidationFailed] = []
    title = form.title.strip()
    if not title:
        problems.append(ValidationFailed("title_required", field="title"))
    elif len(title) > TITLE_MAX:
        problems.append(ValidationFailed("too_long", field="title", max=TITLE_MAX))
    zone_ok = True
    try:
        ZoneInfo(form.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone_ok = False
        problems.append(ValidationFailed("bad_timezone", field="timezone"))
    if form.starts_at is None:
        problems.append(ValidationFailed("bad_datetime", field="starts_at"))
    if form.ends_at is None:
        problems.append(ValidationFailed("bad_datetime", field="ends_at"))
    starts = ends = deadline = meetings_start = None
    if zone_ok:

        def convert(value: datetime | None, name: str) -> datetime | None:
            if value is None:
                return None
            try:
                return to_utc(value, form.timezone)
            except ValueError:
                problems.append(ValidationFailed("bad_datetime", field=name))
                return None

        starts = convert(form.starts_at, "starts_at")
        ends = convert(form.ends_at, "ends_at")
        deadline = convert(form.registration_deadline, "registration_deadline")
        meetings_start = convert(form.meetings_start, "meetings_start")
    if starts is not None and ends is not None and ends <= starts:
        problems.append(ValidationFailed("end_before_start", field="ends_at"))
    if form.capacity <= 0:
        problems.append(ValidationFailed("capacity_positive", field="capacity"))
    if not 1 <= form.presentation_slots <= 50:
        problems.append(ValidationFailed("slots_range", field="presentation_slots"))
    if deadline is not None and starts is not None and deadline > starts:
        problems.append(ValidationFailed("deadline_after_start", field="registration_deadline"))
    if (
        meetings_start is not None
        and starts is not None
        and ends is not None
        and not starts <= meetings_start < ends
    ):
        problems.append(ValidationFailed("meetings_start_range", field="meetings_start"))
    url = (form.online_url or "").strip() or None
    if url and not url.startswith(("https://", "http://")):
        problems.append(ValidationFailed("bad_url", field="online_url"))
    raise_all(problems)
    return {
        "title": title,
        "description": form.description.strip(),
        "theme_fields": [f for f in form.theme_fields if f],
        "region": (form.region or "").strip() or None,
        "starts_at": starts,
        "ends_at": ends,
        "timezone": form.timezone,
        "venue": (form.venue or "").strip() or None,
        "online_url": url,
        "capacity": form.capacity,
        "presentation_slots": form.presentation_slots,
        "registration_deadline": deadline,
        "meetings_start_at": meetings_start,
    }


def create(session: Session, actor: User, form: RoadshowForm) -> Roadshow:
    require_staff(actor)
    roadshow = Roadshow(created_by_id=actor.id, **_clean(form))
    session.add(roadshow)
    session.flush()
    audit.record(session, actor, "roadshow.created", "roadshow", roadshow.id)
    return roadshow


def update(
    session: Session, actor: User, roadshow: Roadshow, form: RoadshowForm, *, secret: str = ""
) -> Roadshow:
    """Edit the event; more seats promote the waitlist (`secret` signs the links mailed to
    people registered without an account)."""
    require_staff(actor)
    if roadshow.state not in EDITABLE_STATES:
        raise ValidationFailed("transition_not_allowed")
    cleaned = _clean(form)
    previous = {name: getattr(roadshow, name) for name in cleaned}
    before = roadshow.capacity
    for name, value in cleaned.items():
        setattr(roadshow, name, value)
    if roadshow.capacity > before:
        from matchmaker.roadshows import desk as roadshow_desk

        roadshow_desk.apply_capacity(session, roadshow, secret)
    audit.record(
        session,
        actor,
        "roadshow.updated",
        "roadshow",
        roadshow.id,
        changes=audit.diff(previous, cleaned),
    )
    session.flush()
    return roadshow


def _open_needs(session: Session, roadshow: Roadshow) -> sa.Select[Any]:
    stmt = sa.select(Need).where(Need.state == ListingState.PUBLISHED)
    if roadshow.theme_fields:
        stmt = stmt.where(Need.field.in_(roadshow.theme_fields))
    if roadshow.region:
        stmt = stmt.where(Need.region == roadshow.region)
    return stmt


def coverage(session: Session, roadshow: Roadshow) -> _Coverage:
    """Open needs in scope and their proposed/approved match scores (clipped to 0..1)."""
    found = _Coverage()
    needs: list[Need] = list(session.scalars(_open_needs(session, roadshow)))
    found.needs = {n.id: n for n in needs}
    if not found.needs:
        return found
    rows = session.execute(
        sa.select(Match.achievement_id, Match.need_id, Match.score)
        .join(Achievement, Achievement.id == Match.achievement_id)
        .where(
            Match.need_id.in_(found.needs),
            Match.state.in_(SCORING_STATES),
            # a proposal counts once it is of medium strength; staff's approval always counts
            sa.or_(Match.state == MatchState.APPROVED, Match.score >= scoring.MEDIUM),
            Achievement.state == ListingState.PUBLISHED,
        )
    )
    found.scores = [
        lineup_solver.MatchScore(a, n, min(max(float(s), 0.0), 1.0)) for a, n, s in rows
    ]
    return found


def lineup_editable(roadshow: Roadshow) -> bool:
    """While planning the lineup is free to change; once published only in an edit step
    (`begin_lineup_edit` … `finish_lineup_edit`), which tells people what changed."""
    return roadshow.state == RoadshowState.PLANNING or (
        roadshow.state in EDITABLE_STATES and roadshow.lineup_snapshot is not None
    )


def _require_editable(roadshow: Roadshow) -> None:
    if not lineup_editable(roadshow):
        raise ValidationFailed("lineup_locked")


def recommend(session: Session, actor: User, roadshow: Roadshow) -> lineup_solver.Lineup:
    """Re-run the recommender keeping pinned items and leaving out the achievements staff
    removed (stored on the roadshow, so no re-run brings them back)."""
    require_staff(actor)
    _require_editable(roadshow)
    found = coverage(session, roadshow)
    pinned = {item.achievement_id for item in roadshow.lineup if item.is_pinned}
    gone = set(roadshow.lineup_removed or ()) - pinned
    candidates = {s.achievement_id for s in found.scores}
    result = lineup_solver.recommend_lineup(
        candidates,
        found.scores,
        max(roadshow.presentation_slots, len(pinned)),
        pinned=pinned,
        removed=gone,
        min_score=0.0,
    )
    _store(session, roadshow, result)
    audit.record(
        session,
        actor,
        "roadshow.lineup",
        "roadshow",
        roadshow.id,
        method=result.method,
        needs_covered=result.needs_covered,
    )
    session.flush()
    return result


def _store(session: Session, roadshow: Roadshow, result: lineup_solver.Lineup) -> None:
    existing = {item.achievement_id: item for item in roadshow.lineup}
    keep = {choice.achievement_id for choice in result.items}
    for achievement_id, item in existing.items():
        if achievement_id not in keep and not _has_meetings(session, item):
            roadshow.lineup.remove(item)
    session.flush()
    for position, choice in enumerate(result.items):
        placed = existing.get(choice.achievement_id)
        if placed is None:
            placed = LineupItem(achievement_id=choice.achievement_id)
            roadshow.lineup.append(placed)
        placed.position = position
        placed.covered_need_ids = list(choice.covers)


def _has_meetings(session: Session, item: LineupItem) -> bool:
    from matchmaker.models import Meeting

    if item.id is None:
        return False
    return (
        session.scalar(sa.select(Meeting.id).where(Meeting.lineup_item_id == item.id)) is not None
    )


def set_pinned(session: Session, actor: User, item: LineupItem, pinned: bool) -> None:
    require_staff(actor)
    item.is_pinned = pinned
    audit.record(session, actor, "roadshow.pin", "roadshow", item.roadshow_id, item=item.id)
    session.flush()


def remove_item(session: Session, actor: User, item: LineupItem) -> lineup_solver.Lineup:
    """Take an achievement out for good (until restored) and re-run, so the freed place goes
    to the next best."""
    require_staff(actor)
    roadshow = item.roadshow
    _require_editable(roadshow)
    if _has_meetings(session, item):
        raise ValidationFailed("item_has_meetings")
    gone = item.achievement_id
    removed = list(roadshow.lineup_removed or ())
    if gone not in removed:
        roadshow.lineup_removed = [*removed, gone]
    item.is_pinned = False
    roadshow.lineup.remove(item)
    audit.record(session, actor, "roadshow.lineup_removed", "roadshow", roadshow.id, item=gone)
    session.flush()
    return recommend(session, actor, roadshow)


def restore_item(session: Session, actor: User, roadshow: Roadshow, achievement_id: int) -> None:
    """Let the recommender choose a removed achievement again (from the next re-run on)."""
    require_staff(actor)
    _require_editable(roadshow)
    removed = list(roadshow.lineup_removed or ())
    if achievement_id not in removed:
        raise ValidationFailed("not_found")
    roadshow.lineup_removed = [a for a in removed if a != achievement_id]
    audit.record(
        session, actor, "roadshow.lineup_restored", "roadshow", roadshow.id, item=achievement_id
    )
    session.flush()


def removed_achievements(session: Session, roadshow: Roadshow) -> list[Achievement]:
    """The achievements staff took out of the lineup, in the order they did."""
    ids = list(roadshow.lineup_removed or ())
    if not ids:
        return []
    stmt = sa.select(Achievement).where(Achievement.id.in_(ids))
    found = {a.id: a for a in session.scalars(stmt)}
    return [found[i] for i in ids if i in found]


def begin_lineup_edit(session: Session, actor: User, roadshow: Roadshow) -> None:
    """After publishing, the lineup changes only in an explicit edit step; it remembers the
    lineup as it was, so finishing can tell people what changed."""
    require_staff(actor)
    if roadshow.state != RoadshowState.OPEN:
        raise ValidationFailed("transition_not_allowed")
    if roadshow.lineup_snapshot is None:
        roadshow.lineup_snapshot = [item.achievement_id for item in roadshow.lineup]
        audit.record(session, actor, "roadshow.lineup_edit", "roadshow", roadshow.id)
    session.flush()


def finish_lineup_edit(session: Session, actor: User, roadshow: Roadshow) -> bool:
    """End the edit step; when the lineup changed, registrants and invited enterprises are
    told how many presentations came in and went out (the event page shows which). Returns
    whether anything changed."""
    require_staff(actor)
    if roadshow.lineup_snapshot is None:
        raise ValidationFailed("transition_not_allowed")
    if not roadshow.lineup:
        raise ValidationFailed("lineup_empty")
    before = set(roadshow.lineup_snapshot)
    after = {item.achievement_id for item in roadshow.lineup}
    roadshow.lineup_snapshot = None
    added, removed = len(after - before), len(before - after)
    audit.record(
        session,
        actor,
        "roadshow.lineup_changed",
        "roadshow",
        roadshow.id,
        added=sorted(after - before),
        removed=sorted(before - after),
    )
    if added or removed:
        _tell_lineup_changed(session, roadshow, added, removed)
    session.flush()
    return bool(added or removed)


def _tell_lineup_changed(session: Session, roadshow: Roadshow, added: int, removed: int) -> None:
    from matchmaker.models import Registration, RegistrationStatus

    link = f"/roadshows/{roadshow.id}"
    users: dict[int, User] = {}
    emails: set[str] = set()
    live = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
    for registration in session.scalars(
        sa.select(Registration)
        .where(Registration.roadshow_id == roadshow.id, Registration.status.in_(live))
        .order_by(Registration.id)
    ):
        if registration.user is not None:
            users[registration.user.id] = registration.user
        else:
            emails.add(registration.email)
    for user_id in sorted(invited_ids(session, roadshow)):
        user = session.get(User, user_id)
        if user is not None and user.is_active:
            users[user.id] = user
    for user in users.values():
        notify.notify(
            session,
            user,
            "roadshow_lineup_changed",
            link,
            title=roadshow.title,
            added=added,
            removed=removed,
        )
    for email in sorted(emails):
        session.add(
            notify.mail_only(
                email,
                "roadshow_lineup_changed",
                link,
                title=roadshow.title,
                added=added,
                removed=removed,
            )
        )


def publish(session: Session, actor: User, roadshow: Roadshow) -> None:
    require_staff(actor)
    if roadshow.state != RoadshowState.PLANNING:
        raise ValidationFailed("transition_not_allowed")
    if not roadshow.lineup:
        raise ValidationFailed("lineup_empty")
    roadshow.state = RoadshowState.OPEN
    audit.record(session, actor, "roadshow.published", "roadshow", roadshow.id)
    session.flush()


def set_state(
    session: Session,
    actor: User,
    roadshow: Roadshow,
    state: RoadshowState,
    *,
    override: bool = False,
) -> None:
    """Open → running (doors open) → done (follow-up and report), from the event day on;
    earlier only with staff's explicit `override`, recorded in the audit log."""
    require_staff(actor)
    allowed = {
        RoadshowState.OPEN: (RoadshowState.RUNNING,),
        RoadshowState.RUNNING: (RoadshowState.DONE,),
    }
    if state not in allowed.get(roadshow.state, ()):
        raise ValidationFailed("transition_not_allowed")
    early = calendar.require_event_day(roadshow, override=override)
    roadshow.state = state
    extra = {"override": True} if early else {}
    audit.record(session, actor, "roadshow.state", "roadshow", roadshow.id, to=str(state), **extra)
    session.flush()


def invitees(session: Session, roadshow: Roadshow) -> list[Invitee]:
    """Enterprise users whose open needs the lineup covers, most covered first."""
    open_needs: list[Need] = list(session.scalars(_open_needs(session, roadshow)))
    needs = {n.id: n for n in open_needs}
    scores = {
        (m.achievement_id, m.need_id): float(m.score)
        for m in session.scalars(
            sa.select(Match).where(Match.need_id.in_(needs) if needs else sa.false())
        )
    }
    reasons: dict[int, list[tuple[str, str]]] = defaultdict(list)
    weight: dict[int, float] = defaultdict(float)
    owners: dict[int, User] = {}
    items: dict[int, set[int]] = defaultdict(set)
    for item in roadshow.lineup:
        for need_id in item.covered_need_ids:
            need = needs.get(need_id)
            if need is None or need.owner is None or not need.owner.is_active:
                continue
            owners[need.owner_id] = need.owner
            reasons[need.owner_id].append((item.achievement.title, need.title))
            items[need.owner_id].add(item.achievement_id)
            weight[need.owner_id] += scores.get((item.achievement_id, need_id), 0.0)
    ranked = sorted(owners, key=lambda uid: (-len(reasons[uid]), -weight[uid], uid))
    invited = invited_ids(session, roadshow)
    return [
        Invitee(
            owners[uid],
            tuple(reasons[uid]),
            round(weight[uid], 3),
            len(items[uid]),
            uid in invited,
        )
        for uid in ranked
    ]


def invited_ids(session: Session, roadshow: Roadshow) -> set[int]:
    """The users an invitation to this roadshow was sent to."""
    return set(
        session.scalars(
            sa.select(Notification.user_id).where(
                Notification.message_key == "roadshow_invitation",
                Notification.link == f"/roadshows/{roadshow.id}",
            )
        )
    )


def send_invitations(session: Session, actor: User, roadshow: Roadshow) -> int:
    """Invite every ranked enterprise not invited yet (pressing it again reaches newcomers)."""
    require_staff(actor)
    if roadshow.state not in (RoadshowState.OPEN, RoadshowState.RUNNING):
        raise ValidationFailed("not_published")
    link = f"/roadshows/{roadshow.id}"
    people = [p for p in invitees(session, roadshow) if not p.invited]
    for person in people:
        notify.notify(
            session,
            person.enterprise,
            "roadshow_invitation",
            link,
            title=roadshow.title,
            count=person.presentations,  # presented achievements, not (achievement, need) pairs
        )
    audit.record(session, actor, "roadshow.invited", "roadshow", roadshow.id, count=len(people))
    session.flush()
    return len(people)


def lineup_needs(session: Session, roadshow: Roadshow) -> dict[int, Need]:
    """The needs the lineup covers, by id."""
    ids = {n for item in roadshow.lineup for n in item.covered_need_ids}
    if not ids:
        return {}
    return {n.id: n for n in session.scalars(sa.select(Need).where(Need.id.in_(ids)))}
