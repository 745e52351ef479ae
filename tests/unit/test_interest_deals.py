"""From an interest request to a signed deal (issue 21): once access is granted, the requester
ties the request to one of their own needs; the pair becomes a match introduced in the
pipeline, the request's thread becomes the match's (history kept), and the thread's meeting,
agreement and contract steps carry it to 已签约. Refusals: no grant yet, not the requester,
tied twice, a listing that is not theirs, a pair the association closed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.interest import deals, threads
from matchmaker.interest import requests as interest
from matchmaker.models import (
    MATCH_SUBJECT,
    Conversation,
    ListingState,
    Match,
    MatchState,
    Role,
    User,
    Visibility,
)
from tests import factories

TITLE = "保密成果DEALTITLE"


@pytest.fixture
def db_session(app, session):  # type: ignore[no-untyped-def]
    return session


class World:
    def __init__(self, s: Any, app: Any) -> None:
        self.s, self.app = s, app
        self.owner = factories.user(s, Role.RESEARCHER, name="李研究")
        self.asker = factories.user(s, Role.ENTERPRISE, name="王企业")
        self.colleague = factories.user(
            s, Role.ENTERPRISE, name="王同事", organisation=self.asker.organisation
        )
        self.staff = factories.user(s, Role.STAFF, name="张科协")
        self.listing = factories.achievement(
            s, self.owner, title=TITLE, visibility=Visibility.CONFIDENTIAL
        )
        self.need = factories.need(s, self.asker, title="我司的散热需求DEALNEED")
        self.request = interest.create(s, self.asker, self.listing, "想了解详情")
        s.commit()

    def grant(self) -> Conversation:
        interest.accept(self.s, self.owner, self.request, agreement_required=False)
        self.s.commit()
        thread = threads.find(self.s, self.request)
        assert thread is not None
        return thread

    def client(self, user: User | None) -> Any:
        client = self.app.test_client()
        if user is not None:
            client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        return client


@pytest.fixture
def world(db_session, app) -> World:  # type: ignore[no-untyped-def]
    return World(db_session, app)


def _meeting_time() -> str:
    return (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")


def test_the_whole_path_from_request_to_signed_through_the_pages(world) -> None:
    thread = world.grant()
    url = f"/threads/{thread.id}"
    asker, owner, staff = (world.client(u) for u in (world.asker, world.owner, world.staff))
    assert asker.post(f"{url}/messages", data={"body": "先聊聊"}).status_code == 302
    page = asker.get(url).get_data(as_text=True)
    assert 'data-testid="tie"' in page and "我司的散热需求DEALNEED" in page
    # the owner is offered nothing to tie: the request is the requester's
    assert 'data-testid="tie"' not in owner.get(url).get_data(as_text=True)

    response = asker.post(f"{url}/tie", data={"own_listing": str(world.need.id)})
    assert response.status_code == 302 and response.headers["Location"].startswith(url)
    world.s.expire_all()
    match = world.s.get(Match, world.request.match_id)
    assert match is not None and match.state == MatchState.INTRODUCED
    assert (match.need_id, match.achievement_id) == (world.need.id, world.listing.id)
    moved = world.s.get(Conversation, thread.id)
    assert (moved.subject_kind, moved.subject_id) == (MATCH_SUBJECT, match.id)
    assert [m.body for m in moved.messages] == ["先聊聊"]  # the history came along
    assert deals.thread_for(world.s, world.request).id == thread.id
    page = asker.get(url).get_data(as_text=True)
    assert 'data-testid="tie"' not in page and 'data-testid="match-state"' in page
    assert f'href="{url}"' in asker.get(f"/interest/{world.request.id}").get_data(as_text=True)

    # meeting proposed by the enterprise, accepted by the researcher: the match is at 会谈
    assert (
        asker.post(
            f"{url}/meetings",
            data={"starts_at": _meeting_time(), "mode": "online", "place": "腾讯会议 123"},
        ).status_code
        == 302
    )
    world.s.expire_all()
    meeting = next(m.meeting for m in moved.messages if m.meeting is not None)
    answer = owner.post(
        f"{url}/meetings/{meeting.id}/accept", data={"version": str(meeting.version)}
    )
    assert answer.status_code == 302
    world.s.expire_all()
    assert world.s.get(Match, match.id).state == MatchState.MEETING

    # agreement reported by a party, the contract recorded by staff: 已签约
    assert owner.post(f"{url}/agreement").status_code == 302
    world.s.expire_all()
    version = world.s.get(Match, match.id).version
    recorded = staff.post(
        f"{url}/contract",
        data={"version": str(version), "contract_value": "120", "signed_on": "2026-12-01"},
    )
    assert recorded.status_code == 302
    world.s.expire_all()
    signed = world.s.get(Match, match.id)
    assert signed.state == MatchState.SIGNED and float(signed.contract_value) == 120.0
    assert "已签约" in asker.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_who_may_tie_and_when(world) -> None:
    s = world.s
    with pytest.raises(ValidationFailed, match="interest_not_tieable"):
        deals.tie(s, world.asker, world.request, world.need.id)  # no access yet
    world.grant()
    for not_the_requester in (world.owner, world.colleague):
        with pytest.raises(PermissionDenied):
            deals.tie(s, not_the_requester, world.request, world.need.id)
    stranger_need = factories.need(s, factories.user(s, Role.ENTERPRISE))
    with pytest.raises(ValidationFailed) as refused:
        deals.tie(s, world.asker, world.request, stranger_need.id)
    assert refused.value.code == "choose_own_listing" and refused.value.field == "own_listing"
    deals.tie(s, world.asker, world.request, world.need.id)
    s.commit()
    with pytest.raises(ValidationFailed, match="interest_not_tieable"):
        deals.tie(s, world.asker, world.request, world.need.id)


def test_a_refused_tie_shows_the_problem_beside_the_field(world) -> None:
    thread = world.grant()
    response = world.client(world.asker).post(
        f"/threads/{thread.id}/tie", data={"own_listing": "999999"}
    )
    assert response.status_code == 400
    assert 'data-error-for="own_listing"' in response.get_data(as_text=True)
    world.s.expire_all()
    assert world.request.match_id is None


def test_without_a_need_the_requester_is_told_how_to_go_on(world) -> None:
    world.need.state = ListingState.ARCHIVED
    world.s.commit()
    thread = world.grant()
    page = world.client(world.asker).get(f"/threads/{thread.id}").get_data(as_text=True)
    assert 'data-testid="tie"' in page and "/my/need/new" in page
    assert 'data-action="tie"' not in page


def test_a_pair_introduced_before_keeps_its_thread_and_the_request_points_there(world) -> None:
    s = world.s
    earlier = factories.match(s, world.need, world.listing, state=MatchState.INTRODUCED)
    match_thread = Conversation(subject_kind=MATCH_SUBJECT, subject_id=earlier.id)
    s.add(match_thread)
    s.commit()
    interest_thread = world.grant()
    assert deals.tie(s, world.asker, world.request, world.need.id).id == earlier.id
    s.commit()
    assert interest_thread.subject_kind == threads.INTEREST  # unchanged
    assert deals.thread_for(s, world.request).id == interest_thread.id
    page = world.client(world.asker).get(f"/threads/{interest_thread.id}").get_data(as_text=True)
    assert 'data-testid="tied-thread"' in page and f"/threads/{match_thread.id}" in page


def test_a_pair_the_association_rejected_is_not_revived(world) -> None:
    factories.match(world.s, world.need, world.listing, state=MatchState.REJECTED)
    world.s.commit()
    world.grant()
    with pytest.raises(ValidationFailed, match="pair_closed"):
        deals.tie(world.s, world.asker, world.request, world.need.id)


def test_a_proposed_pair_is_approved_and_introduced_with_its_history(world) -> None:
    proposed = factories.match(world.s, world.need, world.listing)
    world.s.commit()
    world.grant()
    deals.tie(world.s, world.asker, world.request, world.need.id)
    world.s.commit()
    world.s.expire_all()
    match = world.s.get(Match, proposed.id)
    assert match.state == MatchState.INTRODUCED
    notes = [(e.to_state, e.note) for e in match.events]
    assert (MatchState.APPROVED, f"interest:{world.request.id}") in notes
    assert (MatchState.INTRODUCED, f"interest:{world.request.id}") in notes


def test_the_need_the_matcher_paired_with_the_listing_is_offered_first(world) -> None:
    newer = factories.need(world.s, world.asker, title="更新的另一条需求")
    assert [c.id for c in deals.choices(world.s, world.request)] == [newer.id, world.need.id]
    factories.match(world.s, world.need, world.listing, score=0.7)
    assert [c.id for c in deals.choices(world.s, world.request)] == [world.need.id, newer.id]


def test_staff_see_where_the_match_came_from_not_a_strength_it_never_had(world) -> None:
    world.grant()
    match = deals.tie(world.s, world.asker, world.request, world.need.id)
    world.s.commit()
    staff = world.client(world.staff)
    card = staff.get(f"/review/matches/{match.id}", headers={"Accept-Language": "zh-CN"})
    text = card.get_data(as_text=True)
    assert card.status_code == 200
    assert 'data-origin="interest"' in text and "来自意向申请" in text
    assert 'class="strength strength-low"' not in text
