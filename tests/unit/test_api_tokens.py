"""API tokens: only a hash is stored, revoked tokens are refused, use is recorded."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from matchmaker import clock
from matchmaker.accounts import api_tokens
from matchmaker.core.errors import NotFound, ValidationFailed
from matchmaker.models import ApiToken, Role
from tests import factories


def test_the_hash_is_stored_never_the_secret(session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    created = api_tokens.create(session, user, "ERP sync")
    assert created.secret.startswith(f"mm_{created.token.prefix}_")
    assert len(created.secret) > 40
    row = session.scalars(sa.select(ApiToken)).one()
    assert row.secret_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    stored = [str(v) for v in session.execute(sa.select(ApiToken.__table__)).one()]
    assert all(created.secret not in value for value in stored)
    secret_part = created.secret.rsplit("_", 1)[1]
    assert all(secret_part not in value for value in stored)


def test_authenticate_finds_the_user_and_records_use(session) -> None:
    user = factories.user(session, Role.RESEARCHER)
    created = api_tokens.create(session, user, "script")
    assert created.token.last_used_at is None
    assert api_tokens.authenticate(session, created.secret) is user
    assert created.token.last_used_at is not None


@pytest.mark.parametrize("secret", ["", "mm_", "mm_abcd_wrong", "not-a-token"])
def test_unknown_secrets_are_refused(session, secret: str) -> None:
    user = factories.user(session, Role.RESEARCHER)
    api_tokens.create(session, user, "script")
    assert api_tokens.authenticate(session, secret) is None


def test_a_revoked_token_is_refused(session) -> None:
    user = factories.user(session, Role.RESEARCHER)
    created = api_tokens.create(session, user, "script")
    api_tokens.revoke(session, user, created.token.id)
    assert created.token.revoked_at is not None
    assert api_tokens.authenticate(session, created.secret) is None


def test_a_deactivated_users_token_is_refused(session) -> None:
    user = factories.user(session, Role.RESEARCHER)
    created = api_tokens.create(session, user, "script")
    user.is_active = False
    assert api_tokens.authenticate(session, created.secret) is None


def test_only_the_owner_revokes_and_lists(session) -> None:
    owner = factories.user(session, Role.RESEARCHER)
    other = factories.user(session, Role.ENTERPRISE)
    created = api_tokens.create(session, owner, "script")
    with pytest.raises(NotFound):
        api_tokens.revoke(session, other, created.token.id)
    assert created.token.revoked_at is None
    assert api_tokens.for_user(session, owner) == [created.token]
    assert api_tokens.for_user(session, other) == []


def test_a_token_needs_a_name(session) -> None:
    user = factories.user(session, Role.RESEARCHER)
    with pytest.raises(ValidationFailed):
        api_tokens.create(session, user, "  ")


def test_the_rate_limit_counts_per_minute_window(session) -> None:
    user = factories.user(session, Role.RESEARCHER)
    created = api_tokens.create(session, user, "script")
    start = datetime(2026, 11, 24, 9, 0, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        for _ in range(3):
            assert api_tokens.authenticate(session, created.secret, limit=3) is user
        clock.advance(timedelta(seconds=20))
        with pytest.raises(api_tokens.RateLimited) as refused:
            api_tokens.authenticate(session, created.secret, limit=3)
        assert refused.value.retry_after == 40
        clock.advance(timedelta(seconds=40))  # a new window starts
        assert api_tokens.authenticate(session, created.secret, limit=3) is user
        assert created.token.window_requests == 1
        assert api_tokens.authenticate(session, created.secret, limit=0) is user  # no limit
