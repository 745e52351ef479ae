"""The API rate limit holds when one token's requests arrive at once on PostgreSQL: the row lock
makes each request read the count the previous one wrote."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from matchmaker import migrate, runtime
from matchmaker.accounts import api_tokens
from matchmaker.models import Role
from tests import factories
from tests.conftest import make_settings

pytestmark = [pytest.mark.integration]

LIMIT = 10
THREADS = 4
REQUESTS_PER_THREAD = 6


@pytest.fixture
def pg_db(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    migrate.upgrade(pg_url)
    db = runtime.configure(replace(make_settings(tmp_path), database_url=pg_url))
    yield db
    db.dispose()


def test_concurrent_requests_of_one_token_never_exceed_the_limit(pg_db) -> None:
    with pg_db.transaction() as s:
        secret = api_tokens.create(s, factories.user(s, Role.ENTERPRISE), "city platform").secret
    allowed: list[int] = []
    refused: list[int] = []
    start = threading.Barrier(THREADS)

    def client() -> None:
        start.wait()
        for _ in range(REQUESTS_PER_THREAD):
            s = pg_db.session()
            try:
                user = api_tokens.authenticate(s, secret, limit=LIMIT)
                assert user is not None
                allowed.append(1)
            except api_tokens.RateLimited:
                refused.append(1)
            finally:
                s.commit()
                s.close()

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(allowed) == LIMIT
    assert len(refused) == THREADS * REQUESTS_PER_THREAD - LIMIT
