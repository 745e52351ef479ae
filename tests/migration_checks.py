"""Checks run against every database kind (SQLite in unit tests, PostgreSQL in integration)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from matchmaker import migrate
from matchmaker.db import Base

EXPECTED_TABLES = {
    "organisations",
    "users",
    "achievements",
    "needs",
    "attachments",
    "matches",
    "match_events",
    "roadshows",
    "roadshow_lineup",
    "roadshow_registrations",
    "roadshow_meetings",
    "roadshow_followups",
    "audit_log",
    "notifications",
    "outbox",
    "jobs",
    "saved_searches",
    "duplicate_flags",
    "login_failures",
    "api_tokens",
    "interest_requests",
    "access_grants",
    "agreement_texts",
    "agreement_acceptances",
    "conversations",
    "conversation_messages",
    "conversation_attachments",
    "conversation_meetings",
    "conversation_readers",
    "expert_profiles",
    "expert_teams",
    "expert_team_members",
    "expert_team_visits",
}


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def schema_differences(url: str) -> list[object]:
    """What autogenerate would still write: empty when migrations match the models."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def assert_up_down_up(url: str) -> None:
    migrate.upgrade(url)
    assert table_names(url) == EXPECTED_TABLES
    assert schema_differences(url) == []
    migrate.downgrade(url, "base")
    assert table_names(url) == set()
    migrate.upgrade(url)
    assert table_names(url) == EXPECTED_TABLES
