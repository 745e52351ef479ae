"""Fixtures of the integration tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matchmaker import migrate, runtime
from tests.conftest import make_settings


@pytest.fixture
def pg_db(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    """A migrated PostgreSQL database configured as the runtime's."""
    settings = replace(make_settings(tmp_path), database_url=pg_url)
    migrate.upgrade(pg_url)
    db = runtime.configure(settings)
    yield db
    db.dispose()
