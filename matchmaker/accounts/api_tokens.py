"""Personal API tokens: create (the secret is shown once), authenticate, revoke, list.

A token reads `mm_<prefix>_<secret>`. The prefix is stored in clear so people can tell their
tokens apart; the whole token is stored only as a SHA-256 hash.

Each token may make `limit` requests per fixed one-minute window (Settings.api_rate_limit); the
count lives on the token's row, which every request updates anyway (last_used_at), so the limit
holds across web processes without another store.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core import audit
from matchmaker.core.errors import NotFound, OperationError, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.models import ApiToken, User

PREFIX_BYTES = 4  # 8 hex characters
SECRET_BYTES = 32
NAME_MAX = 100
RATE_WINDOW = timedelta(minutes=1)


class RateLimited(OperationError):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate_limited", retry_after=retry_after)
        self.retry_after = retry_after


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


def authenticate(session: Session, secret: str, limit: int = 0) -> User | None:
    """The active user a live token belongs to, or None; records when the token was used.
    Raises RateLimited past `limit` requests in the token's current minute (0: no limit); the
    caller commits either way so the refused request counts too."""
    if not secret or not secret.startswith("mm_"):
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    # one UPDATE … RETURNING counts the request: the database serialises concurrent requests of
    # one token on the row (PostgreSQL row lock, SQLite write lock), so no two read one count
    fresh = sa.or_(
        ApiToken.window_started_at.is_(None), ApiToken.window_started_at <= now - RATE_WINDOW
    )
    started, requests = session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(
            last_used_at=now,
            window_started_at=sa.case((fresh, now), else_=ApiToken.window_started_at),
            window_requests=sa.case((fresh, 1), else_=ApiToken.window_requests + 1),
        )
        .returning(ApiToken.window_started_at, ApiToken.window_requests)
        .execution_options(synchronize_session=False)
    ).one()
    session.expire(token)
    if limit and requests > limit:
        wait = (started + RATE_WINDOW - now).total_seconds()
        raise RateLimited(max(1, math.ceil(wait)))
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
