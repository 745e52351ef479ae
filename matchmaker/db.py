"""Engine, sessions and the declarative base shared by all models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from indexer.sqlite_wal import enable_wal, keep_private
from matchmaker import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, in UTC; tests move it with `matchmaker.clock`."""
    return clock.now()


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite drops the zone, so restore UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        keep_private(engine.url.database)
        cursor = dbapi_connection.cursor()
        # WAL lets the web process read while the worker writes; the busy timeout makes
        # concurrent writers wait instead of failing with "database is locked".
        enable_wal(cursor)
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        keep_private(engine.url.database)  # the WAL files exist once the journal mode is set


class Database:
    """One engine and session factory per process; nothing connects until first use."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        else:
            # pre_ping lets the site recover by itself after a PostgreSQL restart
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine = sa.create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            _configure_sqlite(self.engine)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessionmaker()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error (for tasks and the CLI)."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

    def forget_inherited_connections(self) -> None:
        """In a process forked from this one: leave the parent's pooled connections to the
        parent (closing them here would close them under it) and open new ones."""
        self.engine.dispose(close=False)


def count_rows(session: Session, model: type[Base], *criteria: Any) -> int:
    """SELECT count(*) FROM model WHERE criteria."""
    stmt = sa.select(sa.func.count()).select_from(model)
    if criteria:
        stmt = stmt.where(*criteria)
    return int(session.scalar(stmt) or 0)
