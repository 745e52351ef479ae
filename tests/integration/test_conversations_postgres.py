"""Conversations under concurrency on PostgreSQL: both parties accept a meeting the association
proposed at the same moment (one acceptance, one match move, the other told), and two people
opening a thread that does not exist yet get the same one."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from matchmaker import migrate, runtime
from matchmaker.conversations import operations
from matchmaker.db import utcnow
from matchmaker.models import (
    Conversation,
    Match,
    MatchEvent,
    MatchState,
    MeetingProposal,
    MeetingProposalState,
    Role,
    User,
)
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


def _introduced(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        researcher = factories.user(s, Role.RESEARCHER)
        enterprise = factories.user(s, Role.ENTERPRISE)
        staff = factories.user(s, Role.STAFF)
        match = factories.match(
            s,
            factories.need(s, enterprise),
            factories.achievement(s, researcher),
            state=MatchState.APPROVED,
        )
        pipeline.decide(s, staff, match, pipeline.Decision(MatchState.INTRODUCED, match.version))
        thread = operations.find(s, "match", match.id)
        assert thread is not None
        return {
            "researcher": researcher.id,
            "enterprise": enterprise.id,
            "staff": staff.id,
            "match": match.id,
            "thread": thread.id,
        }


def test_both_parties_accept_the_same_meeting_at_once_one_wins(pg_db) -> None:
    ids = _introduced(pg_db)
    with pg_db.transaction() as s:
        thread = s.get(Conversation, ids["thread"])
        given = operations.MeetingInput(utcnow() + timedelta(days=5), True, "腾讯会议 123", "")
        meeting_id = operations.propose_meeting(s, s.get(User, ids["staff"]), thread, given).id
    a, b = pg_db.session(), pg_db.session()
    try:
        mine, theirs = a.get(MeetingProposal, meeting_id), b.get(MeetingProposal, meeting_id)
        seen = mine.version
        operations.answer_meeting(a, a.get(User, ids["researcher"]), mine, True, seen)
        outcome: list[BaseException | None] = []

        def enterprise_accepts() -> None:
            try:
                operations.answer_meeting(b, b.get(User, ids["enterprise"]), theirs, True, seen)
                b.commit()
                outcome.append(None)
            except BaseException as exc:  # handed to the test thread
                b.rollback()
                outcome.append(exc)

        worker = threading.Thread(target=enterprise_accepts)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the second answer must wait for the first's row lock"
        a.commit()
        worker.join(timeout=30)
        assert len(outcome) == 1 and isinstance(outcome[0], operations.Conflict)
    finally:
        a.close()
        b.close()
    with pg_db.session() as s:
        meeting = s.get(MeetingProposal, meeting_id)
        assert meeting.state == MeetingProposalState.ACCEPTED
        assert meeting.answered_by_id == ids["researcher"]
        assert s.get(Match, ids["match"]).state == MatchState.MEETING
        moves = s.scalars(
            sa.select(MatchEvent.to_state).where(
                MatchEvent.match_id == ids["match"], MatchEvent.to_state == MatchState.MEETING
            )
        ).all()
        assert len(moves) == 1


def test_two_people_opening_a_missing_thread_get_the_same_one(pg_db) -> None:
    ids = _introduced(pg_db)
    with pg_db.transaction() as s:  # a match introduced before conversations existed
        s.execute(sa.delete(Conversation).where(Conversation.id == ids["thread"]))
    a, b = pg_db.session(), pg_db.session()
    try:
        first = operations.open_thread(a, a.get(User, ids["enterprise"]), "match", ids["match"])
        found: list[int] = []

        def researcher_opens() -> None:
            thread = operations.open_thread(
                b, b.get(User, ids["researcher"]), "match", ids["match"]
            )
            b.commit()
            found.append(thread.id)

        worker = threading.Thread(target=researcher_opens)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the second insert waits on the first's unique key"
        a.commit()
        worker.join(timeout=30)
        assert found == [first.id]
    finally:
        a.close()
        b.close()
    with pg_db.session() as s:
        count = s.scalar(sa.select(sa.func.count()).select_from(Conversation))
        assert count == 1
