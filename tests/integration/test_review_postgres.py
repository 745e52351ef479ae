"""Two staff members decide the same match at once on PostgreSQL: one wins, the other is told.

On PostgreSQL the second UPDATE waits for the first transaction's row lock, then finds the
version moved on; the service turns that into a Conflict the web layer explains.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import sqlalchemy as sa

from matchmaker import migrate, runtime
from matchmaker.models import Match, MatchEvent, MatchState, Role, User
from matchmaker.review import pipeline
from tests import factories
from tests.conftest import make_settings

pytestmark = [pytest.mark.integration]


@pytest.fixture
def pg_db(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    settings = replace(make_settings(tmp_path), database_url=pg_url)
    migrate.upgrade(pg_url)
    db = runtime.configure(settings)
    yield db
    db.dispose()


def _seed(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        first = factories.user(s, Role.STAFF, name="王芳")
        second = factories.user(s, Role.STAFF, name="李雷")
        match = factories.match(s)
        s.flush()
        return match.id, first.id, second.id


def test_concurrent_decisions_one_wins_the_other_gets_a_conflict(pg_db) -> None:
    match_id, first_id, second_id = _seed(pg_db)
    a, b = pg_db.session(), pg_db.session()
    try:
        mine, theirs = a.get(Match, match_id), b.get(Match, match_id)
        assert mine.version == theirs.version  # both loaded the card before anyone decided
        pipeline.decide(
            a, a.get(User, first_id), mine, pipeline.Decision(MatchState.APPROVED, mine.version)
        )  # flushed: A now holds the row lock until it commits

        outcome: list[BaseException | None] = []

        def second_decides() -> None:
            try:
                pipeline.decide(
                    b,
                    b.get(User, second_id),
                    theirs,
                    pipeline.Decision(MatchState.REJECTED, theirs.version, reason="field_mismatch"),
                )
                b.commit()
                outcome.append(None)
            except BaseException as exc:  # handed to the test thread
                b.rollback()
                outcome.append(exc)

        thread = threading.Thread(target=second_decides)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second UPDATE must wait for the first's row lock"
        a.commit()
        thread.join(timeout=30)
        assert len(outcome) == 1 and isinstance(outcome[0], pipeline.Conflict)
    finally:
        a.close()
        b.close()

    with pg_db.session() as s:
        match = s.get(Match, match_id)
        assert match.state == MatchState.APPROVED and match.assignee_id == first_id
        events = s.scalars(sa.select(MatchEvent).where(MatchEvent.match_id == match_id)).all()
        assert [(e.to_state, e.actor_id) for e in events] == [(MatchState.APPROVED, first_id)]


def test_stale_form_is_refused_before_touching_the_row(pg_db) -> None:
    """A card open for a while: the version it was rendered with no longer matches."""
    match_id, first_id, second_id = _seed(pg_db)
    with pg_db.transaction() as s:
        match = s.get(Match, match_id)
        seen = match.version
        pipeline.decide(
            s, s.get(User, first_id), match, pipeline.Decision(MatchState.APPROVED, seen)
        )
    with pg_db.session() as s:
        match = s.get(Match, match_id)
        with pytest.raises(pipeline.Conflict):
            pipeline.assign(s, s.get(User, second_id), match, None, seen)
        s.rollback()
        assert s.get(Match, match_id).assignee_id == first_id
