"""The confidential canary (tests/unit/test_confidential_canary.py) through an access grant:
an enterprise of the other side asks about the confidential achievement. Before the grant and
after the owner revokes it, no page, API answer, notification, e-mail or digest shows it the
canary; while the grant holds, the listing page, the API and the match card (its explanation)
do."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from matchmaker import clock, runtime
from matchmaker.interest import digest
from matchmaker.models import InterestRequest, Notification, OutboxMail, User
from matchmaker.notifications.notify import render
from tests.unit import test_confidential_canary as canary
from tests.unit.test_confidential_canary import (
    CANARY_ACHIEVEMENT,
    _all_ids,
    _client,
    _leaks,
    _text,
    _urls,
)

world = canary.world  # the same world, built afresh for this module

ASKER = "other-e@canary.cn"  # the enterprise whose need was matched with the secret achievement


def _sweep(app, tokens) -> list[str]:
    """Every GET page (Chinese) and API answer the asker can reach, with every id in play."""
    ids = _all_ids()
    client = _client(app, ASKER)
    client.get("/lang/zh")
    headers = {"Authorization": f"Bearer {tokens[ASKER]}"}
    found = []
    # the search page echoes its query, so it is searched with the title's public-looking half
    urls = [*_urls(app, ids), "/search?q=保密项目", "/search?q=详细技术方案"]
    for url in urls:
        response = client.get(url, headers=headers) if url.startswith("/api/") else client.get(url)
        assert response.status_code < 500, url
        if leaked := _leaks(_text(response)):
            found.append(f"{url}: {leaked}")
    return found


def _messages_to_asker() -> list[str]:
    with runtime.database().session() as s:
        asker = s.scalar(sa.select(User).where(User.email == ASKER))
        notes = s.scalars(sa.select(Notification).where(Notification.user_id == asker.id)).all()
        mails = s.scalars(sa.select(OutboxMail).where(OutboxMail.recipient == ASKER)).all()
        texts = [str(n.params) for n in notes]
        texts += [render(n.message_key, n.params, lang) for n in notes for lang in ("zh", "en")]
        texts += [m.subject + m.body for m in mails]
    return [t for t in texts if _leaks(t)]


def test_the_canary_opens_with_a_grant_and_closes_with_its_revocation(world) -> None:
    app, ids, tokens = world
    secret = ids["secret_a"]
    asker = _client(app, ASKER)
    asker.get("/lang/zh")
    sent = asker.post(f"/interest/ask/achievement/{secret}", data={"message": "我们想了解"})
    assert sent.status_code == 302
    assert _sweep(app, tokens) == []

    owner = _client(app, "owner-r@canary.cn")
    with runtime.database().session() as s:
        request_id = s.scalar(sa.select(InterestRequest.id))
    assert owner.post(f"/interest/{request_id}/accept", data={"agreement": "1"}).status_code == 302
    assert CANARY_ACHIEVEMENT not in _text(asker.get(f"/achievements/{secret}"))
    with runtime.database().session() as s:
        name = s.scalar(sa.select(User.name).where(User.email == ASKER))
    accepted = asker.post(f"/interest/{request_id}/agreement", data={"typed_name": name})
    assert accepted.status_code == 302

    headers = {"Authorization": f"Bearer {tokens[ASKER]}"}
    assert CANARY_ACHIEVEMENT in _text(asker.get(f"/achievements/{secret}"))
    assert "CANARYACH7731" in _text(  # JSON escapes the Chinese half
        app.test_client().get(f"/api/v1/achievements/{secret}", headers=headers)
    )
    assert CANARY_ACHIEVEMENT in _text(asker.get("/my/matches"))  # the match card

    assert owner.post(f"/interest/{request_id}/revoke", data={"note": "x"}).status_code == 302
    assert _sweep(app, tokens) == []
    clock.set_now(clock.now() + timedelta(days=1))
    try:
        with runtime.database().transaction() as s:
            assert digest.send(s) >= 1
    finally:
        clock.set_now(None)
    assert _messages_to_asker() == []


def test_every_interest_notification_opens_a_page_its_reader_may_see(world) -> None:
    """Run after the path above (same module world): the request's page opens for each reader
    of a notification about it — the requester even after the revocation."""
    app, _ids, _tokens = world
    with runtime.database().session() as s:
        notes = [
            (n.message_key, n.link, s.get(User, n.user_id).email)
            for n in s.scalars(
                sa.select(Notification).where(Notification.message_key.like("interest%"))
            )
        ]
    assert {key for key, _link, _email in notes} >= {
        "interest_requested",
        "interest_agreement_needed",
        "interest_granted",
        "interest_revoked",
    }
    broken = []
    for key, link, email in notes:
        response = _client(app, email).get(link)
        if response.status_code != 200:
            broken.append(f"{key} → {link} as {email}: {response.status_code}")
    assert broken == []
