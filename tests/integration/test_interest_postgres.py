"""Interest requests answered at once on PostgreSQL: two staff accepting make one grant, and an
accept racing a revoke ends consistently (GRANTED with one active grant, or REVOKED with none).

Each operation takes the request's row lock and reads the state again under it: the second
writer waits for the first to commit, then finds the state moved on and is told so.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core.errors import ValidationFailed
from matchmaker.interest import deals
from matchmaker.interest import requests as interest
from matchmaker.models import (
    MATCH_SUBJECT,
    AccessGrant,
    Conversation,
    InterestRequest,
    InterestState,
    Match,
    MatchState,
    Role,
    User,
    Visibility,
)
from tests import factories
from tests.integration.pg_races import second_waits, two_sessions

pytestmark = [pytest.mark.integration]


def _seed(db, *, granted: bool = False) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        owner = factories.user(s, Role.RESEARCHER)
        asker = factories.user(s, Role.ENTERPRISE)
        first = factories.user(s, Role.STAFF)
        second = factories.user(s, Role.STAFF)
        secret = factories.achievement(s, owner, visibility=Visibility.CONFIDENTIAL)
        request = interest.create(s, asker, secret, "有意向")
        if granted:
            interest.accept(s, owner, request, agreement_required=False)
        s.flush()
        return {
            "request": request.id,
            "owner": owner.id,
            "first": first.id,
            "second": second.id,
        }


def _race(
    db,  # type: ignore[no-untyped-def]
    first: Callable[[Session], None],
    second: Callable[[Session], None],
) -> BaseException | None:
    """Run `first` and keep its transaction open; run `second`, which must wait for the row
    lock; commit the first; return what the second raised (or None)."""
    with two_sessions(db) as (a, b):
        first(a)  # flushed: A holds the request's row lock until it commits
        return second_waits(a, b, lambda: second(b))


def _state(db) -> tuple[InterestState, int]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        state = s.scalar(sa.select(InterestRequest.state))
        active = s.scalar(
            sa.select(sa.func.count())
            .select_from(AccessGrant)
            .where(AccessGrant.revoked_at.is_(None))
        )
        return state, active or 0


def test_two_staff_accepting_at_once_make_one_grant(pg_db) -> None:
    ids = _seed(pg_db)

    def accept_as(user_key: str) -> Callable[[Session], None]:
        def run(s: Session) -> None:
            request = s.get(InterestRequest, ids["request"])
            interest.accept(s, s.get(User, ids[user_key]), request, agreement_required=False)

        return run

    error = _race(pg_db, accept_as("first"), accept_as("second"))
    assert isinstance(error, ValidationFailed) and error.code == "interest_already_accepted"
    assert _state(pg_db) == (InterestState.GRANTED, 1)


def test_revoke_after_a_racing_accept_closes_the_access(pg_db) -> None:
    ids = _seed(pg_db)

    def accept(s: Session) -> None:
        request = s.get(InterestRequest, ids["request"])
        interest.accept(s, s.get(User, ids["first"]), request, agreement_required=False)

    def revoke(s: Session) -> None:
        request = s.get(InterestRequest, ids["request"])
        interest.revoke(s, s.get(User, ids["owner"]), request, "撤回")

    error = _race(pg_db, accept, revoke)
    assert error is None  # the revoke waited for the accept, then revoked what it granted
    assert _state(pg_db) == (InterestState.REVOKED, 0)


def test_accept_after_a_racing_revoke_is_refused_and_access_stays_closed(pg_db) -> None:
    ids = _seed(pg_db, granted=True)

    def revoke(s: Session) -> None:
        request = s.get(InterestRequest, ids["request"])
        interest.revoke(s, s.get(User, ids["owner"]), request, "撤回")

    def accept(s: Session) -> None:
        request = s.get(InterestRequest, ids["request"])
        interest.accept(s, s.get(User, ids["second"]), request, agreement_required=False)

    error = _race(pg_db, revoke, accept)
    assert isinstance(error, ValidationFailed) and error.code == "transition_not_allowed"
    assert _state(pg_db) == (InterestState.REVOKED, 0)


def test_the_same_organisation_asking_twice_at_once_makes_one_request(pg_db) -> None:
    with pg_db.transaction() as s:
        owner = factories.user(s, Role.RESEARCHER)
        asker = factories.user(s, Role.ENTERPRISE)
        colleague = factories.user(s, Role.ENTERPRISE, organisation=asker.organisation)
        listing = factories.achievement(s, owner)
        s.flush()
        ids = {"asker": asker.id, "colleague": colleague.id, "listing": listing.id}

    def ask(user_key: str) -> Callable[[Session], None]:
        def run(s: Session) -> None:
            from matchmaker.models import Achievement

            interest.create(s, s.get(User, ids[user_key]), s.get(Achievement, ids["listing"]), "x")

        return run

    with two_sessions(pg_db) as (a, b):
        ask("asker")(a)
        error = second_waits(a, b, lambda: ask("colleague")(b), must_wait=False)
    assert isinstance(error, ValidationFailed) and error.code == "interest_duplicate"
    with pg_db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(InterestRequest)) == 1


def test_tying_twice_at_once_makes_one_match(pg_db) -> None:
    """A double click on 推进为正式对接: the second tie waits for the first's row lock, then
    finds the request tied and is refused; one match, introduced, one thread."""
    ids = _seed(pg_db, granted=True)
    with pg_db.transaction() as s:
        request = s.get(InterestRequest, ids["request"])
        ids["asker"] = request.requester_id
        ids["need"] = factories.need(s, request.requester).id

    def tie(s: Session) -> None:
        request = s.get(InterestRequest, ids["request"])
        deals.tie(s, s.get(User, ids["asker"]), request, ids["need"])

    error = _race(pg_db, tie, tie)
    assert isinstance(error, ValidationFailed) and error.code == "interest_not_tieable"
    with pg_db.session() as s:
        matches = list(s.scalars(sa.select(Match)))
        assert [m.state for m in matches] == [MatchState.INTRODUCED]
        assert s.get(InterestRequest, ids["request"]).match_id == matches[0].id
        threads = list(s.scalars(sa.select(Conversation)))
        assert [(c.subject_kind, c.subject_id) for c in threads] == [(MATCH_SUBJECT, matches[0].id)]
