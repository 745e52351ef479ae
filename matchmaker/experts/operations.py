"""Expertise profiles (专家档案): filed by a researcher for themselves, or entered by staff for
an invited expert who confirms by a signed e-mail link before anything is published.

Every state change has one function here (create_own, invite, confirm, update, archive); each
flushes, writes its audit entries and queues the index sync; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker import taxonomy, visibility
from matchmaker.accounts import operations as accounts
from matchmaker.core import audit, signed_links
from matchmaker.core.errors import (
    PermissionDenied,
    ValidationFailed,
    raise_all,
)
from matchmaker.db import utcnow
from matchmaker.listings import pages as listing_pages
from matchmaker.models import (
    Achievement,
    ExpertProfile,
    ExpertState,
    Role,
    User,
    Visibility,
)
from matchmaker.notifications import notify
from matchmaker.search import indexing
from matchmaker.search.documents import representative_achievements

NAME_MAX = 100
TITLE_MAX = 100
ORGANISATION_MAX = 200
DIRECTIONS_MAX = 4000
PUBLICATIONS_MAX = 8000
PHONE_MAX = 40
MAX_REPRESENTATIVE = 10


@dataclass(frozen=True)
class ExpertForm:
    """What the expert (or staff) types."""

    name: str
    directions: str
    title: str = ""
    organisation_name: str = ""
    region: str | None = None
    fields: tuple[str, ...] = ()
    achievement_ids: tuple[int, ...] = ()
    publications: str = ""
    offers: tuple[str, ...] = ()
    availability: str | None = None
    visibility: str = "public"
    email: str = ""
    phone: str = ""


@dataclass
class _Clean:
    values: dict[str, object] = field(default_factory=dict)


def _text(
    problems: list[ValidationFailed], value: str, name: str, limit: int, *, required: str = ""
) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.append(ValidationFailed(required, field=name))
    elif len(value) > limit:
        problems.append(ValidationFailed("too_long", field=name, max=limit))
    return value


def _clean(
    session: Session, form: ExpertForm, owner: User | None, *, email_required: bool
) -> dict[str, object]:
    """The form's values, or every problem at once (FormInvalid)."""
    problems: list[ValidationFailed] = []
    values: dict[str, object] = {
        "name": _text(problems, form.name, "name", NAME_MAX, required="name_required"),
        "directions": _text(
            problems, form.directions, "directions", DIRECTIONS_MAX, required="directions_required"
        ),
        "title": _text(problems, form.title, "title", TITLE_MAX) or None,
        "organisation_name": _text(
            problems, form.organisation_name, "organisation_name", ORGANISATION_MAX
        ),
        "publications": _text(problems, form.publications, "publications", PUBLICATIONS_MAX),
        "phone": _text(problems, form.phone, "phone", PHONE_MAX) or None,
    }
    if form.region and form.region not in taxonomy.REGIONS:
        problems.append(ValidationFailed("bad_choice", field="region"))
    values["region"] = form.region or None
    if any(f not in taxonomy.FIELDS for f in form.fields):
        problems.append(ValidationFailed("bad_choice", field="fields"))
    if not form.fields:
        problems.append(ValidationFailed("fields_required", field="fields"))
    values["fields"] = list(dict.fromkeys(form.fields))
    if any(o not in taxonomy.EXPERT_OFFERS for o in form.offers):
        problems.append(ValidationFailed("bad_choice", field="offers"))
    values["offers"] = list(dict.fromkeys(form.offers))
    if form.availability and form.availability not in taxonomy.EXPERT_AVAILABILITY:
        problems.append(ValidationFailed("bad_choice", field="availability"))
    values["availability"] = form.availability or None
    try:
        values["visibility"] = Visibility(form.visibility)
    except ValueError:
        problems.append(ValidationFailed("bad_choice", field="visibility"))
    values["achievement_ids"] = _representative(session, form.achievement_ids, owner, problems)
    email = (form.email or "").strip()
    if email:
        try:
            email = accounts.normalise_email(email)
        except ValidationFailed as exc:
            problems.append(exc)
    elif email_required:
        problems.append(ValidationFailed("email_invalid", field="email"))
    values["email"] = email or None
    raise_all(problems)
    return values


def _representative(
    session: Session,
    ids: tuple[int, ...],
    owner: User | None,
    problems: list[ValidationFailed],
) -> list[int]:
    """Representative achievements must exist and, once the profile has an account, be the
    expert's own listings (staff entering an invited expert may link anyone's)."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if len(wanted) > MAX_REPRESENTATIVE:
        problems.append(
            ValidationFailed(
                "too_many_achievements", field="achievement_ids", max=MAX_REPRESENTATIVE
            )
        )
        return wanted[:MAX_REPRESENTATIVE]
    if not wanted:
        return []
    found = session.scalars(sa.select(Achievement).where(Achievement.id.in_(wanted))).all()
    allowed = {a.id for a in found if owner is None or a.owner_id == owner.id}
    if set(wanted) - allowed:
        problems.append(ValidationFailed("not_own_achievement", field="achievement_ids"))
    return [i for i in wanted if i in allowed]


def _apply(profile: ExpertProfile, values: dict[str, object]) -> None:
    for name, value in values.items():
        setattr(profile, name, value)


def own_profile(session: Session, user: User) -> ExpertProfile | None:
    return session.scalar(sa.select(ExpertProfile).where(ExpertProfile.user_id == user.id))


def create_own(session: Session, actor: User, form: ExpertForm) -> ExpertProfile:
    """A researcher files their own profile; it is published at once (they are the expert)."""
    if actor.role != Role.RESEARCHER:
        raise PermissionDenied("wrong_role")
    if own_profile(session, actor) is not None:
        raise ValidationFailed("profile_exists")
    values = _clean(session, form, actor, email_required=False)
    values["email"] = values["email"] or actor.email
    now = utcnow()
    profile = ExpertProfile(
        user_id=actor.id,
        created_by_id=actor.id,
        state=ExpertState.PUBLISHED,
        confirmed_at=now,
        published_at=now,
    )
    _apply(profile, values)
    session.add(profile)
    session.flush()
    audit.record(session, actor, "expert.created", "expert", profile.id, by="self")
    audit.record(session, actor, "expert.published", "expert", profile.id)
    indexing.queue_sync(session, profile)
    return profile


def invitation_link(secret: str, profile: ExpertProfile) -> str:
    """The signed confirmation link; it names the e-mail too, so it dies if staff change it."""
    token = signed_links.sign(
        secret, signed_links.EXPERT_INVITATION, {"p": profile.id, "e": profile.email or ""}
    )
    return f"/experts/confirm/{token}"


def profile_for_token(session: Session, secret: str, token: str) -> ExpertProfile:
    payload = signed_links.read(secret, signed_links.EXPERT_INVITATION, token)
    profile = session.get(ExpertProfile, payload.get("p"))
    if profile is None or (profile.email or "") != payload.get("e"):
        raise ValidationFailed("token_invalid")
    return profile


def invite(session: Session, actor: User, form: ExpertForm, *, secret: str) -> ExpertProfile:
    """Staff enter an expert's profile with their e-mail; the expert gets a signed link and the
    profile stays unpublished until they confirm."""
    if not actor.is_staff:
        raise PermissionDenied("staff_only")
    values = _clean(session, form, None, email_required=True)
    taken = session.scalar(
        sa.select(ExpertProfile.id).where(ExpertProfile.email == values["email"])
    )
    if taken is not None:
        raise ValidationFailed("expert_email_taken", field="email")
    profile = ExpertProfile(created_by_id=actor.id, state=ExpertState.INVITED, invited_at=utcnow())
    _apply(profile, values)
    session.add(profile)
    session.flush()
    _send_invitation(session, actor, profile, secret)
    audit.record(session, actor, "expert.created", "expert", profile.id, by="staff")
    return profile


def _send_invitation(session: Session, actor: User, profile: ExpertProfile, secret: str) -> None:
    assert profile.email
    session.add(
        notify.mail_only(
            profile.email,
            "expert_invitation",
            invitation_link(secret, profile),
            inviter=actor.name,
        )
    )
    audit.record(session, actor, "expert.invited", "expert", profile.id)


def resend_invitation(
    session: Session, actor: User, profile: ExpertProfile, *, secret: str
) -> None:
    if not actor.is_staff:
        raise PermissionDenied("staff_only")
    if profile.state != ExpertState.INVITED:
        raise ValidationFailed("transition_not_allowed")
    profile.invited_at = utcnow()
    _send_invitation(session, actor, profile, secret)


def confirm(
    session: Session,
    profile: ExpertProfile,
    *,
    user: User | None,
    password: str = "",
) -> ExpertProfile:
    """The invited expert opened the link and confirmed: the profile is linked to their account
    (the one they are signed in with, or a new researcher account with `password`) and
    published. Confirming again changes nothing."""
    if profile.state != ExpertState.INVITED:
        return profile
    if user is None:
        assert profile.email
        if accounts.find_by_email(session, profile.email) is not None:
            raise ValidationFailed("sign_in_to_confirm")
        user = accounts.create_user(session, profile.email, password, profile.name, Role.RESEARCHER)
    elif user.is_staff or own_profile(session, user) is not None:
        raise ValidationFailed("profile_exists")
    now = utcnow()
    profile.user_id = user.id
    profile.state = ExpertState.PUBLISHED
    profile.confirmed_at = now
    profile.published_at = now
    session.flush()
    audit.record(session, user, "expert.confirmed", "expert", profile.id)
    audit.record(session, user, "expert.published", "expert", profile.id)
    indexing.queue_sync(session, profile)
    return profile


def update(session: Session, actor: User, profile: ExpertProfile, form: ExpertForm) -> None:
    """The expert or staff edit the profile."""
    if not visibility.can_edit_expert(actor, profile):
        raise PermissionDenied("not_owner")
    owner = profile.user if profile.user_id is not None else None
    values = _clean(session, form, owner, email_required=profile.state == ExpertState.INVITED)
    if profile.state == ExpertState.INVITED and values["email"] != profile.email:
        taken = session.scalar(
            sa.select(ExpertProfile.id).where(
                ExpertProfile.email == values["email"], ExpertProfile.id != profile.id
            )
        )
        if taken is not None:
            raise ValidationFailed("expert_email_taken", field="email")
    before = {name: getattr(profile, name) for name in values}
    _apply(profile, values)
    session.flush()
    audit.record(
        session, actor, "expert.updated", "expert", profile.id, changes=audit.diff(before, values)
    )
    indexing.queue_sync(session, profile)


def archive(session: Session, actor: User, profile: ExpertProfile) -> None:
    """Take a profile out of lists and matching (the expert or staff)."""
    if not visibility.can_edit_expert(actor, profile):
        raise PermissionDenied("not_owner")
    if profile.state == ExpertState.ARCHIVED:
        return
    profile.state = ExpertState.ARCHIVED
    session.flush()
    audit.record(session, actor, "expert.archived", "expert", profile.id)
    indexing.queue_sync(session, profile)


def listing_choices(session: Session, owner: User | None) -> list[Achievement]:
    """Achievements that may be chosen as representative: the owner's own (all, for staff
    entering an invited expert they are picked by number)."""
    if owner is None:
        return []
    return list(
        session.scalars(
            sa.select(Achievement)
            .where(Achievement.owner_id == owner.id)
            .order_by(Achievement.id.desc())
            .limit(100)
        )
    )


def representative(session: Session, profile: ExpertProfile) -> list[Achievement]:
    """The profile's representative achievements that are published (callers still ask the
    visibility rule before naming one)."""
    return representative_achievements(session, profile)


def browse(session: Session, user: User | None, limit: int = 200) -> list[ExpertProfile]:
    """Profiles the user may find, newest first."""
    stmt = visibility.browsable_experts(user).order_by(ExpertProfile.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def page(
    session: Session, user: User, *, limit: int, cursor: str | None = None
) -> tuple[list[ExpertProfile], str | None]:
    """Profiles the user may find, newest first, in keyset pages (the listings' cursor)."""
    if not 1 <= limit <= listing_pages.MAX_LIMIT:
        raise ValidationFailed("bad_limit", field="limit")
    stmt = visibility.browsable_experts(user)
    if cursor:
        stmt = stmt.where(ExpertProfile.id < listing_pages.decode_cursor(cursor))
    rows = list(session.scalars(stmt.order_by(ExpertProfile.id.desc()).limit(limit + 1)))
    items = rows[:limit]
    more = len(rows) > limit
    return items, listing_pages.encode_cursor(items[-1].id) if more else None


def pending_invitations(session: Session) -> list[ExpertProfile]:
    """Invited experts who have not confirmed yet (staff)."""
    return list(
        session.scalars(
            sa.select(ExpertProfile)
            .where(ExpertProfile.state == ExpertState.INVITED)
            .order_by(ExpertProfile.invited_at.desc())
        )
    )
