"""Registration, sign-in and organisations."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker import credit_code
from matchmaker.core import audit
from matchmaker.core.errors import ValidationFailed
from matchmaker.core.numbers import whole_number
from matchmaker.db import utcnow
from matchmaker.models import STAFF_ROLES, Organisation, OrganisationKind, Role, User

PASSWORD_MIN_LENGTH = 8
SELF_SERVICE_ROLES = (Role.RESEARCHER, Role.ENTERPRISE)
# A dummy hash so that unknown e-mails take as long to reject as wrong passwords.
_DUMMY_HASH = generate_password_hash("timing-equaliser")


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    name: str
    role: Role
    organisation_name: str
    organisation_kind: OrganisationKind
    credit_code: str | None = None
    region: str | None = None
    title: str | None = None
    phone: str | None = None


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed("email_invalid", field="email") from exc


def check_password_strength(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationFailed("password_too_short", field="password", min=PASSWORD_MIN_LENGTH)
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise ValidationFailed("password_needs_letters_and_digits", field="password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt with werkzeug's current parameters


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def find_or_create_organisation(
    session: Session,
    name: str,
    kind: OrganisationKind,
    code: str | None,
    region: str | None,
) -> Organisation:
    """Organisations are identified by credit code when given, else by exact name and kind."""
    name = name.strip()
    if not name:
        raise ValidationFailed("organisation_name_required", field="organisation_name")
    normalised_code = None
    if code and code.strip():
        try:
            normalised_code = credit_code.validate(code)
        except credit_code.CreditCodeError as exc:
            raise ValidationFailed(f"credit_code_{exc.reason}", field="credit_code") from exc
        existing = session.scalar(
            sa.select(Organisation).where(Organisation.credit_code == normalised_code)
        )
        if existing:
            return existing
    elif kind == OrganisationKind.ENTERPRISE:
        raise ValidationFailed("credit_code_required", field="credit_code")
    else:
        existing = session.scalar(
            sa.select(Organisation).where(Organisation.name == name, Organisation.kind == kind)
        )
        if existing:
            return existing
    organisation = Organisation(name=name, kind=kind, credit_code=normalised_code, region=region)
    session.add(organisation)
    return organisation


def register(session: Session, form: Registration) -> User:
    """Self-service sign-up for researchers and enterprises; validates everything first so
    that nothing is half-saved."""
    if form.role not in SELF_SERVICE_ROLES:
        raise ValidationFailed("role_not_allowed", field="role")
    email = normalise_email(form.email)
    check_password_strength(form.password)
    name = form.name.strip()
    if not name:
        raise ValidationFailed("name_required", field="name")
    if len(name) > 100:
        raise ValidationFailed("too_long", field="name", max=100)
    if find_by_email(session, email):
        raise ValidationFailed("email_taken", field="email")
    expected_kind = form.organisation_kind
    if form.role == Role.ENTERPRISE and expected_kind != OrganisationKind.ENTERPRISE:
        raise ValidationFailed("enterprise_needs_enterprise_org", field="organisation_kind")
    organisation = find_or_create_organisation(
        session, form.organisation_name, expected_kind, form.credit_code, form.region
    )
    user = User(
        email=email,
        password_hash=hash_password(form.password),
        name=name,
        role=form.role,
        organisation=organisation,
        title=form.title,
        phone=form.phone,
    )
    session.add(user)
    session.flush()
    audit.record(session, user, "user.registered", "user", user.id, role=str(form.role))
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_by_email(session, email)
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    session: Session,
    email: str,
    password: str,
    name: str,
    role: Role,
    organisation: Organisation | None = None,
    *,
    actor: User | None = None,
) -> User:
    """Create any kind of account (staff and admins are created this way, never by sign-up)."""
    email = normalise_email(email)
    check_password_strength(password)
    if find_by_email(session, email):
        raise ValidationFailed("email_taken", field="email")
    user = User(
        email=email,
        password_hash=hash_password(password),
        name=name.strip() or email,
        role=role,
        organisation=organisation,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, role=str(role))
    return user


def set_locale(session: Session, user: User, locale: str) -> None:
    user.locale = locale


def active_staff(session: Session) -> list[User]:
    """Everyone who works the association's queues (staff and admins), by name."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.role.in_(STAFF_ROLES), User.is_active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def start_session(session: Session, user: User) -> str:
    """The token a new sign-in's cookies carry (made on the first sign-in)."""
    if not user.session_token:
        user.session_token = secrets.token_hex(16)
        session.flush()
    return user.session_token


def end_sessions(session: Session, user: User) -> None:
    """Sign-out: every session and remember-me cookie of the user stops working, copies too."""
    user.session_token = secrets.token_hex(16)
    session.flush()
    audit.record(session, user, "user.signed_out", "user", user.id)


def user_for_session(session: Session, session_id: str) -> User | None:
    """The active user a session cookie's id ("<id>:<token>") names, if the token is current."""
    user_id, _, token = session_id.partition(":")
    number = whole_number(user_id)
    if number is None:
        return None
    user = session.get(User, number)
    if user is None or not user.is_active or not token or token != user.session_token:
        return None
    return user


def everyone(session: Session) -> list[User]:
    """All accounts, by role, then oldest first (the admin's user list)."""
    return list(session.scalars(sa.select(User).order_by(User.role, User.id)))
