"""Conversations under concurrency on PostgreSQL: both parties accept a meeting the association
proposed at the same moment (one acceptance, one match move, the other told), and two people
opening a thread that does not exist yet get the same one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

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
from tests.integration.pg_races import second_waits, two_sessions

pytestmark = [pytest.mark.integration]


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
    with two_sessions(pg_db) as (a, b):
        mine, theirs = a.get(MeetingProposal, meeting_id), b.get(MeetingProposal, meeting_id)
        seen = mine.version
        operations.answer_meeting(a, a.get(User, ids["researcher"]), mine, True, seen)
        error = second_waits(
            a,
            b,
            lambda: operations.answer_meeting(
                b, b.get(User, ids["enterprise"]), theirs, True, seen
            ),
        )
        assert isinstance(error, operations.Conflict)
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
    with two_sessions(pg_db) as (a, b):
        first = operations.open_thread(a, a.get(User, ids["enterprise"]), "match", ids["match"])
        found: list[int] = []
        error = second_waits(
            a,
            b,
            lambda: found.append(
                operations.open_thread(b, b.get(User, ids["researcher"]), "match", ids["match"]).id
            ),
        )  # the second insert waits on the first's unique key
        assert error is None and found == [first.id]
    with pg_db.session() as s:
        count = s.scalar(sa.select(sa.func.count()).select_from(Conversation))
        assert count == 1
