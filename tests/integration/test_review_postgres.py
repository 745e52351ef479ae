"""Two staff members decide the same match at once on PostgreSQL: one wins, the other is told.

On PostgreSQL the second UPDATE waits for the first transaction's row lock, then finds the
version moved on; the service turns that into a Conflict the web layer explains.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.models import Match, MatchEvent, MatchState, Role, User
from matchmaker.review import pipeline
from tests import factories
from tests.integration.pg_races import second_waits, two_sessions

pytestmark = [pytest.mark.integration]


def _seed(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        first = factories.user(s, Role.STAFF, name="王芳")
        second = factories.user(s, Role.STAFF, name="李雷")
        match = factories.match(s)
        s.flush()
        return match.id, first.id, second.id


def test_concurrent_decisions_one_wins_the_other_gets_a_conflict(pg_db) -> None:
    match_id, first_id, second_id = _seed(pg_db)
    with two_sessions(pg_db) as (a, b):
        mine, theirs = a.get(Match, match_id), b.get(Match, match_id)
        assert mine.version == theirs.version  # both loaded the card before anyone decided
        pipeline.decide(
            a, a.get(User, first_id), mine, pipeline.Decision(MatchState.APPROVED, mine.version)
        )  # flushed: A now holds the row lock until it commits
        error = second_waits(
            a,
            b,
            lambda: pipeline.decide(
                b,
                b.get(User, second_id),
                theirs,
                pipeline.Decision(MatchState.REJECTED, theirs.version, reason="field_mismatch"),
            ),
        )
        assert isinstance(error, pipeline.Conflict)

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
