"""The conversation of an interest request (issue 21): opened when access is granted, with or
without the agreement; the requester, the owner and staff read and write it; nobody else; a
revocation closes it; notifications never name a confidential listing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from matchmaker import visibility
from matchmaker.conversations import operations, queries, subjects
from matchmaker.interest import agreements, threads
from matchmaker.interest import requests as interest
from matchmaker.models import Conversation, InterestRequest, Notification, Role, User, Visibility
from tests import factories

TITLE = "保密成果THREADTITLE"
DETAILS = "保密技术细节THREADDETAIL"


@pytest.fixture
def db_session(app, session):  # type: ignore[no-untyped-def]
    return session


class World:
    def __init__(self, s: Any, app: Any) -> None:
        self.s, self.app = s, app
        self.owner = factories.user(s, Role.RESEARCHER, name="李研究")
        self.asker = factories.user(s, Role.ENTERPRISE, name="王企业")
        self.other = factories.user(s, Role.ENTERPRISE, name="赵旁观")
        self.staff = factories.user(s, Role.STAFF, name="张科协")
        self.listing = factories.achievement(
            s,
            self.owner,
            title=TITLE,
            description=DETAILS,
            visibility=Visibility.CONFIDENTIAL,
            protected_parts=["details"],
        )
        self.request = interest.create(s, self.asker, self.listing, "想了解详情")
        s.commit()

    def thread(self) -> Conversation | None:
        return threads.find(self.s, self.request)

    def client(self, user: User | None) -> Any:
        client = self.app.test_client()
        if user is not None:
            client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        return client


@pytest.fixture
def world(db_session, app) -> World:  # type: ignore[no-untyped-def]
    return World(db_session, app)


def _grant(world: World) -> Conversation:
    interest.accept(world.s, world.owner, world.request, agreement_required=False)
    world.s.commit()
    thread = world.thread()
    assert thread is not None
    return thread


def test_no_thread_before_access_is_granted(world) -> None:
    assert world.thread() is None
    assert not visibility.can_open_subject_thread(
        world.s, world.asker, threads.INTEREST, world.request.id
    )
    with pytest.raises(Exception, match="not_a_party"):
        operations.open_thread(world.s, world.asker, threads.INTEREST, world.request.id)
    page = world.client(world.asker).get(f"/interest/{world.request.id}").get_data(as_text=True)
    assert 'data-testid="thread-link"' not in page


def test_accepting_without_agreement_opens_a_thread_both_parties_use(world) -> None:
    thread = _grant(world)
    url = f"/threads/{thread.id}"
    asker, owner = world.client(world.asker), world.client(world.owner)
    for client in (asker, owner):
        detail = client.get(f"/interest/{world.request.id}").get_data(as_text=True)
        assert 'data-testid="thread-link"' in detail and url in detail
    assert asker.post(f"{url}/messages", data={"body": "您好，想约时间交流"}).status_code == 302
    page = owner.get(url).get_data(as_text=True)
    assert "您好，想约时间交流" in page and TITLE in page and "王企业" in page
    assert owner.post(f"{url}/messages", data={"body": "欢迎，下周可以"}).status_code == 302
    page = asker.get(url).get_data(as_text=True)
    assert "欢迎，下周可以" in page and TITLE in page and "李研究" in page
    # staff read and write every thread
    staff = world.client(world.staff)
    assert staff.get(url).status_code == 200
    assert staff.post(f"{url}/messages", data={"body": "科协跟进"}).status_code == 302
    # nobody else: another enterprise gets a 404, an anonymous visitor is sent to sign in
    other = world.client(world.other)
    assert other.get(url).status_code == 404
    assert other.post(f"{url}/messages", data={"body": "插话"}).status_code == 404
    assert 'data-testid="thread-link"' not in other.get(f"/interest/{world.request.id}").get_data(
        as_text=True
    )
    anonymous = world.client(None).get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    bodies = [m.body for m in world.s.get(Conversation, thread.id).messages]
    assert "插话" not in bodies and len(bodies) == 3


def test_the_thread_is_in_each_partys_list_and_no_one_elses(world) -> None:
    thread = _grant(world)
    marker = f'data-thread="{thread.id}"'
    for user in (world.asker, world.owner, world.staff):
        listing = world.client(user).get("/threads/").get_data(as_text=True)
        assert marker in listing and TITLE in listing
    assert marker not in world.client(world.other).get("/threads/").get_data(as_text=True)
    assert [t.id for t in queries.for_reader(world.s, world.asker)] == [thread.id]
    assert [t.id for t in queries.for_reader(world.s, world.owner)] == [thread.id]
    assert queries.for_reader(world.s, world.other) == []


def test_the_topic_and_authors_as_each_reader_sees_them(world) -> None:
    thread = _grant(world)
    s = world.s
    mine = subjects.topic(s, thread, world.owner)
    assert mine.mine is not None and mine.mine.id == world.listing.id and mine.other is None
    theirs = subjects.topic(s, thread, world.asker)
    assert theirs.mine is None and theirs.other is not None and theirs.state is None
    assert subjects.about_for(s, thread, world.owner).id == world.listing.id
    author = subjects.author_for(s, thread, world.owner, False, world.asker)
    assert author == subjects.Author("achievement", "李研究")
    assert subjects.author_for(s, thread, world.asker, False, world.owner) == subjects.Author(
        "need", "王企业"
    )
    # no pipeline move, no agreement step for an interest thread
    assert not subjects.meeting_accepted(s, world.owner, thread, "meeting:1")
    assert not operations.can_report_agreement(s, world.asker, thread)


def test_the_agreement_path_opens_the_thread_once_the_agreement_is_accepted(world) -> None:
    interest.accept(world.s, world.owner, world.request, agreement_required=True)
    world.s.commit()
    assert world.thread() is None
    agreements.accept_in_app(
        world.s,
        world.asker,
        world.request,
        typed_name="王企业",
        agreement_id=None,
        ip_address="203.0.113.9",
    )
    world.s.commit()
    thread = world.thread()
    assert thread is not None
    response = world.client(world.asker).post(
        f"/threads/{thread.id}/messages", data={"body": "协议已签"}
    )
    assert response.status_code == 302


def test_revoking_closes_the_thread_to_the_parties_but_not_to_staff(world) -> None:
    thread = _grant(world)
    url = f"/threads/{thread.id}"
    asker = world.client(world.asker)
    assert asker.post(f"{url}/messages", data={"body": "第一条"}).status_code == 302
    interest.revoke(world.s, world.owner, world.request, "终止")
    world.s.commit()
    assert not visibility.can_write_conversation(world.asker, thread)
    assert not visibility.can_read_conversation(world.asker, thread)
    assert asker.get(url).status_code == 404
    assert asker.post(f"{url}/messages", data={"body": "还想说"}).status_code == 404
    assert f'data-thread="{thread.id}"' not in asker.get("/threads/").get_data(as_text=True)
    assert 'data-testid="thread-link"' not in asker.get(f"/interest/{world.request.id}").get_data(
        as_text=True
    )
    staff = world.client(world.staff)
    assert staff.get(url).status_code == 200
    # a staff message after the revocation tells no one who may no longer read
    before = world.s.scalar(
        sa.select(sa.func.count()).where(Notification.user_id == world.asker.id)
    )
    assert staff.post(f"{url}/messages", data={"body": "科协备注"}).status_code == 302
    after = world.s.scalar(sa.select(sa.func.count()).where(Notification.user_id == world.asker.id))
    assert after == before
    assert [m.body for m in world.s.get(Conversation, thread.id).messages] == ["第一条", "科协备注"]


def test_a_new_message_notification_holds_no_confidential_text(world) -> None:
    thread = _grant(world)
    owner = world.client(world.owner)
    assert owner.post(f"/threads/{thread.id}/messages", data={"body": DETAILS}).status_code == 302
    world.s.expire_all()
    notes = list(
        world.s.scalars(
            sa.select(Notification).where(
                Notification.user_id == world.asker.id,
                Notification.message_key == "conversation_message",
            )
        )
    )
    assert len(notes) == 1 and notes[0].link == f"/threads/{thread.id}"
    # the requester sees the listing only through a revocable grant: the title is not stored
    stored = repr(notes[0].params)
    assert TITLE not in stored and DETAILS not in stored
    inbox = world.client(world.asker).get("/notifications").get_data(as_text=True)
    assert DETAILS not in inbox
    assert world.s.get(InterestRequest, world.request.id) is not None


def test_after_a_revocation_the_owner_keeps_the_history_read_only(world) -> None:
    thread = _grant(world)
    url = f"/threads/{thread.id}"
    assert (
        world.client(world.asker).post(f"{url}/messages", data={"body": "历史消息"}).status_code
        == 302
    )
    interest.revoke(world.s, world.owner, world.request, "终止")
    world.s.commit()
    owner = world.client(world.owner)
    page = owner.get(url).get_data(as_text=True)
    assert "历史消息" in page and 'data-testid="message-form"' not in page
    assert f'data-thread="{thread.id}"' in owner.get("/threads/").get_data(as_text=True)
    assert owner.post(f"{url}/messages", data={"body": "撤回后再写"}).status_code == 400
    assert not visibility.can_write_conversation(world.owner, thread)
    assert world.client(world.asker).get(url).status_code == 404
    assert [m.body for m in world.s.get(Conversation, thread.id).messages] == ["历史消息"]
