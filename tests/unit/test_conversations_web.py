"""The conversation pages and API through the Flask test client: the main flow, refused input
that loses nothing, staff posting as the association, the staff list, unsubscribe, the API."""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa

from matchmaker.accounts import api_tokens
from matchmaker.conversations import digests, operations
from matchmaker.models import (
    Conversation,
    MatchState,
    MeetingProposal,
    Notification,
    OutboxMail,
    Role,
    User,
    Visibility,
)
from matchmaker.review import pipeline
from tests import factories


@pytest.fixture
def db_session(app, session):  # type: ignore[no-untyped-def]
    """A session of its own, outside any app context: each request then has its own context
    (flask-login keeps the signed-in user in `g`, which a shared context would carry over)."""
    return session


class Setup:
    def __init__(self, s: Any, app: Any, **need_kw: Any) -> None:
        self.researcher = factories.user(s, Role.RESEARCHER, name="李研究")
        self.enterprise = factories.user(s, Role.ENTERPRISE, name="王企业")
        self.staff = factories.user(s, Role.STAFF, name="张科协")
        self.outsider = factories.user(s, Role.ENTERPRISE)
        need = factories.need(s, self.enterprise, **need_kw)
        achievement = factories.achievement(s, self.researcher)
        self.match = factories.match(s, need, achievement, state=MatchState.APPROVED)
        pipeline.decide(
            s, self.staff, self.match, pipeline.Decision(MatchState.INTRODUCED, self.match.version)
        )
        s.commit()
        self.thread = operations.find(s, "match", self.match.id)
        assert self.thread is not None
        self.url = f"/threads/{self.thread.id}"
        self.app = app

    def client(self, user: User) -> Any:
        client = self.app.test_client()
        client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        return client


@pytest.fixture
def setup(db_session, app) -> Setup:  # type: ignore[no-untyped-def]
    return Setup(db_session, app)


def test_the_enterprise_opens_the_thread_from_its_notification_and_writes(
    setup, db_session
) -> None:
    researcher = setup.client(setup.researcher)
    enterprise = setup.client(setup.enterprise)
    response = enterprise.post(setup.url + "/messages", data={"body": "您好，想了解样品"})
    assert response.status_code == 302
    db_session.rollback()
    note = db_session.scalar(
        sa.select(Notification).where(
            Notification.user_id == setup.researcher.id,
            Notification.message_key == "conversation_message",
        )
    )
    assert note is not None and note.link == setup.url
    opened = researcher.post(f"/notifications/{note.id}/open")
    assert opened.headers["Location"].endswith(setup.url)
    page = researcher.get(setup.url).get_data(as_text=True)
    assert "您好，想了解样品" in page and "王企业" in page


def test_a_refused_message_keeps_its_text_and_says_what_is_wrong(setup) -> None:
    enterprise = setup.client(setup.enterprise)
    response = enterprise.post(
        setup.url + "/messages",
        data={"body": "请看附件：报价", "attachments": (io.BytesIO(b"GIF89a..."), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请看附件：报价" in html  # kept
    assert 'data-error-for="attachments"' in html
    empty = enterprise.post(setup.url + "/messages", data={"body": "  "})
    assert empty.status_code == 400 and 'data-error-for="body"' in empty.get_data(as_text=True)


def test_a_refused_meeting_proposal_keeps_what_was_typed(setup) -> None:
    researcher = setup.client(setup.researcher)
    response = researcher.post(
        setup.url + "/meetings",
        data={"starts_at": "2020-01-01T10:00", "mode": "online", "place": "", "note": "带样品"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-error-for="starts_at"' in html and 'data-error-for="place"' in html
    assert "带样品" in html and 'value="2020-01-01T10:00"' in html


def test_staff_post_as_the_association_and_parties_do_not_see_the_name(setup) -> None:
    staff = setup.client(setup.staff)
    assert staff.post(setup.url + "/messages", data={"body": "科协提醒"}).status_code == 302
    party_page = setup.client(setup.enterprise).get(setup.url).get_data(as_text=True)
    assert "科协提醒" in party_page and "张科协" not in party_page
    assert "张科协" in staff.get(setup.url).get_data(as_text=True)  # staff see who wrote


def test_a_confidential_side_stays_anonymous_in_the_thread(db_session, app) -> None:
    setup = Setup(db_session, app, visibility=Visibility.CONFIDENTIAL)
    setup.client(setup.enterprise).post(setup.url + "/messages", data={"body": "需求方来信"})
    page = setup.client(setup.researcher).get(setup.url).get_data(as_text=True)
    assert "需求方来信" in page and "王企业" not in page
    assert setup.match.need.title not in page


def test_meeting_accepted_in_the_thread_moves_the_match_then_contract_signs_it(
    setup, db_session
) -> None:
    enterprise, researcher = setup.client(setup.enterprise), setup.client(setup.researcher)
    enterprise.post(
        setup.url + "/meetings",
        data={"starts_at": "2031-05-06T14:30", "mode": "in_person", "place": "南京", "note": ""},
    )
    db_session.rollback()
    meeting = db_session.scalar(sa.select(MeetingProposal))
    assert meeting is not None and meeting.starts_at.hour == 6  # 14:30 Beijing = 06:30 UTC
    accept = f"{setup.url}/meetings/{meeting.id}/accept"
    assert enterprise.post(accept, data={"version": meeting.version}).status_code == 302
    db_session.rollback()  # a new snapshot: the requests committed
    assert setup.match.state == MatchState.INTRODUCED  # the proposer cannot accept
    researcher.post(accept, data={"version": meeting.version})
    db_session.rollback()  # a new snapshot: the requests committed
    assert setup.match.state == MatchState.MEETING
    researcher.post(setup.url + "/agreement")
    staff = setup.client(setup.staff)
    bad = staff.post(
        setup.url + "/contract",
        data={"version": setup.match.version, "contract_value": "abc", "signed_on": "2026-12-01"},
    )
    assert bad.status_code == 400 and 'data-error-for="contract_value"' in bad.get_data(
        as_text=True
    )
    staff.post(
        setup.url + "/contract",
        data={"version": setup.match.version, "contract_value": "88", "signed_on": "2026-12-01"},
    )
    db_session.rollback()  # a new snapshot: the requests committed
    assert setup.match.state == MatchState.SIGNED and setup.match.contract_value == 88


def test_staff_list_filters_threads_awaiting_a_contract(setup, db_session) -> None:
    other = Setup(db_session, setup.app)
    setup.client(setup.researcher).post(setup.url + "/agreement")
    staff = setup.client(setup.staff)
    listed = staff.get("/threads/?show=agreement").get_data(as_text=True)
    assert setup.url in listed and other.url not in listed
    assert other.url in staff.get("/threads/").get_data(as_text=True)


def test_the_digest_unsubscribe_link_works_without_signing_in(setup, db_session, app) -> None:
    from matchmaker import runtime

    setup.client(setup.enterprise).post(setup.url + "/messages", data={"body": "新消息"})
    db_session.rollback()
    digests.run(db_session, runtime.settings())
    db_session.commit()
    mail = db_session.scalar(
        sa.select(OutboxMail).where(
            OutboxMail.recipient == setup.researcher.email,
            OutboxMail.body.contains("/threads/unsubscribe/"),
        )
    )
    assert mail is not None and "新消息" in mail.body
    path = "/threads/unsubscribe/" + mail.body.split("/threads/unsubscribe/")[1].split()[0]
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    assert 'data-testid="unsubscribed"' in visitor.post(path).get_data(as_text=True)
    assert visitor.get(path[:-3] + "xyz").status_code == 400


def _token(s: Any, user: User) -> dict[str, str]:
    secret = api_tokens.create(s, user, "test").secret
    s.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_lists_threads_and_messages_only_for_readers(setup, db_session) -> None:
    party, outsider, staff = (
        _token(db_session, u) for u in (setup.enterprise, setup.outsider, setup.staff)
    )
    client = setup.app.test_client()
    created = client.post(
        f"/api/v1/threads/{setup.thread.id}/messages", json={"body": "API 消息"}, headers=party
    )
    assert created.status_code == 201
    assert created.get_json()["author"]["side"] == "need"
    listed = client.get("/api/v1/threads", headers=party).get_json()
    assert [t["id"] for t in listed["items"]] == [setup.thread.id]
    assert listed["items"][0]["state"] == "introduced"
    assert client.get("/api/v1/threads", headers=outsider).get_json()["items"] == []
    messages = client.get(f"/api/v1/threads/{setup.thread.id}/messages", headers=staff)
    assert [m["body"] for m in messages.get_json()["items"]] == ["API 消息"]
    for method in ("get", "post"):
        refused = getattr(client, method)(
            f"/api/v1/threads/{setup.thread.id}/messages", json={"body": "x"}, headers=outsider
        )
        assert refused.status_code == 404
    staff_post = client.post(
        f"/api/v1/threads/{setup.thread.id}/messages", json={"body": "科协"}, headers=staff
    )
    assert staff_post.get_json()["author"] == {"side": "association", "name": None}


def test_the_api_refuses_bad_messages_with_field_errors(setup, db_session) -> None:
    party = _token(db_session, setup.researcher)
    client = setup.app.test_client()
    url = f"/api/v1/threads/{setup.thread.id}/messages"
    empty = client.post(url, json={"body": "   "}, headers=party)
    assert empty.status_code == 422 and empty.get_json()["fields"] == {"body": ["message_empty"]}
    long = client.post(url, json={"body": "长" * 5001}, headers=party)
    assert long.status_code == 422 and long.get_json()["fields"] == {"body": ["too_long"]}
    assert client.post(url, json=["x"], headers=party).status_code == 400
    assert client.get(url + "?limit=0", headers=party).status_code == 400
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 1
