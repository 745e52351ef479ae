"""Limits hold when requests arrive at once, on SQLite and on PostgreSQL: an API token's rate
limit (one UPDATE … RETURNING per request) and the sign-in throttle (each attempt counted and
committed before its password is checked)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from matchmaker import migrate, runtime
from matchmaker.accounts import api_tokens, login_throttle
from matchmaker.models import LoginFailure, Role
from tests import factories
from tests.concurrency import at_once
from tests.conftest import make_settings

pytestmark = [pytest.mark.integration]

LIMIT = 10
THREADS = 4
REQUESTS_PER_THREAD = 6
PASSWORD_GUESSES = 12


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        settings = make_settings(tmp_path)
    else:
        settings = replace(make_settings(tmp_path), database_url=request.getfixturevalue("pg_url"))
    migrate.upgrade(settings.database_url)
    database = runtime.configure(settings)
    yield database
    database.dispose()


def test_concurrent_requests_of_one_token_never_exceed_the_limit(db) -> None:
    with db.transaction() as s:
        secret = api_tokens.create(s, factories.user(s, Role.ENTERPRISE), "city platform").secret
    allowed: list[int] = []
    refused: list[int] = []

    def client() -> None:
        for _ in range(REQUESTS_PER_THREAD):
            s = db.session()
            try:
                user = api_tokens.authenticate(s, secret, limit=LIMIT)
                assert user is not None
                allowed.append(1)
            except api_tokens.RateLimited:
                refused.append(1)
            finally:
                s.commit()
                s.close()

    assert at_once(THREADS, client) == []
    assert len(allowed) == LIMIT
    assert len(refused) == THREADS * REQUESTS_PER_THREAD - LIMIT


def test_simultaneous_wrong_passwords_get_no_more_tries_than_the_limit(db) -> None:
    verdicts: list[bool] = []

    def guess() -> None:
        s = db.session()
        try:
            verdicts.append(login_throttle.begin(s, "target@example.com", "203.0.113.7").allowed)
        finally:
            s.close()

    assert at_once(PASSWORD_GUESSES, guess) == []
    assert len(verdicts) == PASSWORD_GUESSES
    allowed = verdicts.count(True)
    # Never more tries than the limit. How many of a burst get through depends on timing (on
    # PostgreSQL all twelve may count each other and all be refused); what must hold is that a
    # refused attempt takes itself back, so the burst leaves exactly the allowed tries counted
    # and the account is not locked for longer than those tries warrant.
    assert allowed <= login_throttle.MAX_PER_ACCOUNT
    s = db.session()
    try:
        stored = s.scalar(
            sa.select(sa.func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.email == "target@example.com")
        )
        assert stored == allowed
        after = login_throttle.begin(s, "target@example.com", "198.51.100.9").allowed
        assert after == (allowed < login_throttle.MAX_PER_ACCOUNT)
    finally:
        s.close()
