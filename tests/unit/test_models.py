from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from matchmaker.core import audit
from matchmaker.models import AuditEntry, Match, Role
from tests import factories


def test_trl_must_be_between_1_and_9(session) -> None:
    with pytest.raises(IntegrityError):
        factories.achievement(session, trl=10)


def test_price_range_must_be_ordered(session) -> None:
    with pytest.raises(IntegrityError):
        factories.achievement(session, price_min=100, price_max=50)


def test_budget_cannot_be_negative(session) -> None:
    with pytest.raises(IntegrityError):
        factories.need(session, budget_min=-1)


def test_one_match_per_pair(session) -> None:
    achievement = factories.achievement(session)
    need = factories.need(session)
    session.add(Match(need=need, achievement=achievement, score=0.5))
    session.flush()
    session.add(Match(need=need, achievement=achievement, score=0.7))
    with pytest.raises(IntegrityError):
        session.flush()


def test_credit_codes_are_unique(session) -> None:
    first = factories.organisation(session)
    with pytest.raises(IntegrityError):
        factories.organisation(session, credit_code=first.credit_code)


def test_emails_must_be_lower_case(session) -> None:
    with pytest.raises(IntegrityError):
        factories.user(session, email="Upper@Example.com")


def test_datetimes_come_back_timezone_aware(session, database) -> None:
    item = factories.achievement(session)
    session.commit()
    with database.session() as other:
        loaded = other.get(type(item), item.id)
        assert loaded.created_at.tzinfo is not None
        assert abs(loaded.created_at - datetime.now(UTC)).total_seconds() < 60


def test_naive_datetimes_are_refused(session) -> None:
    item = factories.achievement(session)
    item.published_at = datetime(2026, 1, 1)
    with pytest.raises(sa.exc.StatementError):
        session.flush()


def test_concurrent_edits_are_detected(session, database) -> None:
    item = factories.achievement(session)
    session.commit()
    with database.session() as other:
        theirs = other.get(type(item), item.id)
        theirs.title = "他们的修改"
        other.commit()
    item.title = "我的修改"
    with pytest.raises(StaleDataError):
        session.flush()


def test_audit_log_is_append_only(session) -> None:
    actor = factories.user(session, Role.STAFF)
    entry = audit.record(session, actor, "thing.done", "thing", 1, note="x")
    session.flush()
    entry.action = "rewritten"
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    entry = session.scalars(sa.select(AuditEntry)).first()
    assert entry is None or entry.action != "rewritten"


def test_audit_entries_cannot_be_deleted(session) -> None:
    entry = audit.record(session, None, "thing.done", "thing", 1)
    session.flush()
    session.delete(entry)
    with pytest.raises(PermissionError):
        session.flush()


def test_audit_entries_refuse_bulk_update_and_delete_statements(session) -> None:
    audit.record(session, None, "thing.done", "thing", 1)
    session.flush()
    with pytest.raises(PermissionError):
        session.execute(sa.update(AuditEntry).values(action="rewritten"))
    with pytest.raises(PermissionError):
        session.execute(sa.delete(AuditEntry))
    assert session.scalars(sa.select(AuditEntry.action)).all() == ["thing.done"]


def test_the_embedded_database_file_is_private(tmp_path) -> None:
    import os
    import stat

    from matchmaker import migrate

    path = tmp_path / "open.sqlite"
    path.touch()
    os.chmod(path, 0o644)  # as an older version or a careless copy left it
    migrate.upgrade(f"sqlite:///{path}")
    from matchmaker.db import Database

    db = Database(f"sqlite:///{path}")
    with db.session() as s:
        s.execute(__import__("sqlalchemy").text("SELECT 1"))
    db.dispose()
    for name in (path, path.with_name(path.name + "-wal")):
        if name.exists():
            assert stat.S_IMODE(name.stat().st_mode) == 0o600, name


def test_stopping_the_site_ends_a_busy_worker() -> None:
    import subprocess
    import sys

    from web.cli import _stop

    # a worker that ignores SIGTERM while "busy"
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('busy', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    assert busy.stdout is not None and busy.stdout.readline() == b"busy\n"
    _stop(busy, grace=0.5)
    assert busy.poll() is not None
