"""Personal API tokens: create (the secret is shown once), authenticate, revoke, list.

A token reads `mm_<prefix>_<secret>`. The prefix is stored in clear so people can tell their
tokens apart; the whole token is stored only as a SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.db import utcnow
from matchmaker.models import ApiToken, User
from matchmaker.services import audit
from matchmaker.services.errors import NotFound, ValidationFailed

PREFIX_BYTES = 4  # 8 hex characters
SECRET_BYTES = 32
NAME_MAX = 100


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the full token string: shown once, never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(session: Session, user: User, name: str) -> NewToken:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("required", field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed("too_long", field="name")
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = f"mm_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    token = ApiToken(user=user, name=name, prefix=prefix, secret_hash=hash_secret(secret))
    session.add(token)
    session.flush()
    audit.record(session, user, "api_token.created", "api_token", token.id, name=name)
    return NewToken(token=token, secret=secret)


def authenticate(session: Session, secret: str) -> User | None:
    """The active user a live token belongs to, or None; records when the token was used."""
    if not secret or not secret.startswith("mm_"):
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    token.last_used_at = utcnow()
    session.flush()
    return token.user


def revoke(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("api_token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        audit.record(session, user, "api_token.revoked", "api_token", token.id)
    return token


def for_user(session: Session, user: User) -> list[ApiToken]:
    stmt = (
        sa.select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(stmt))
