"""Shared fixtures: a fresh migrated database per test, real services when configured.

Services come from `scripts/services.sh` through MATCHMAKER_TEST_* variables. Outside CI a
missing service skips the tests that need it; with CI=true it fails them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker import migrate, runtime
from matchmaker.config import Settings
from matchmaker.db import Database

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        message = f"{name} is not set: start services with scripts/services.sh"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return value


def make_settings(instance_dir: Path, database_url: str | None = None, **overrides) -> Settings:
    return Settings(
        instance_dir=instance_dir,
        database_url=database_url or f"sqlite:///{instance_dir / 'test.sqlite'}",
        secret_key="test-secret",
        **{
            "load_demo_data": False,
            "celery_always_eager": True,
            "search_enabled": False,
            **overrides,
        },
    )


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once per session; each test gets a copy (migrations take a second)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_sqlite_template: Path) -> Settings:
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copy(migrated_sqlite_template, instance / "test.sqlite")
    return make_settings(instance)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = runtime.configure(settings)
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    s = database.session()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from web import create_app

    application = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    yield application
    runtime.database().dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


# --- real PostgreSQL -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return require_env("MATCHMAKER_TEST_DATABASE_URL")


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"mm_test_{uuid.uuid4().hex[:12]}"
    # pre-ping: a test may restart the server in between (test_faults.py)
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    # FORCE ends connections a test may have left open in its pool
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def redis_url() -> str:
    return require_env("MATCHMAKER_TEST_REDIS_URL")


@pytest.fixture
def es_url() -> str:
    return require_env("MATCHMAKER_TEST_ES_URL")
