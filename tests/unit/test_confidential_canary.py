"""A confidential listing's text never reaches anyone without access, through any channel.

Every text field of one confidential achievement and one confidential need carries a canary.
The platform then does what it does with them — proposals, staff decisions, introductions, the
parties' answers, a roadshow with the confidential achievement in its lineup, meeting requests
— and the sweep reads everything the outsiders (the other side of each match, and anonymous
visitors) can reach: every GET route of the site with every id in play, both languages, every
API endpoint with their tokens, their notifications and the e-mails sent to them.
"""

from __future__ import annotations

import io
import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter

from matchmaker import runtime
from matchmaker.accounts import api_tokens
from matchmaker.models import (
    Achievement,
    LineupItem,
    Match,
    MatchState,
    Need,
    Notification,
    OutboxMail,
    Role,
    User,
    Visibility,
)
from matchmaker.notifications.notify import render
from matchmaker.review import parties, pipeline
from matchmaker.roadshows import desk, events
from tests import factories
from tests.conftest import make_settings

CANARY_ACHIEVEMENT = "金丝雀CANARYACH7731"
CANARY_NEED = "金丝雀CANARYNEED4419"
CANARIES = (CANARY_ACHIEVEMENT, CANARY_NEED, "CANARYACH7731", "CANARYNEED4419")
# words the views accept in URLs; ids are filled from everything created below
PART_VALUES = {"kind": ("achievement", "need"), "code": ("zh", "en")}
# not pages about listings; /lang/<code> is what switches the language below
SKIPPED = {"static", "auth.logout", "auth.set_language", "health.healthz", "health.readyz"}


def _secret_fields(canary: str) -> dict[str, object]:
    return {
        "title": f"保密项目{canary}",
        "description": f"详细技术方案 {canary} 不公开",
        "keywords": [canary, "保密"],
        "confidential_notes": f"报价底线 {canary}",
        "visibility": Visibility.CONFIDENTIAL,
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_template: Path) -> Iterator:
    from web import create_app

    instance = tmp_path_factory.mktemp("canary") / "instance"
    instance.mkdir()
    shutil.copy(migrated_sqlite_template, instance / "test.sqlite")
    app = create_app(make_settings(instance), TESTING=True, WTF_CSRF_ENABLED=False)
    with runtime.database().transaction() as s:
        staff = factories.user(s, Role.STAFF, email="staff@canary.cn")
        owner_r = factories.user(s, Role.RESEARCHER, email="owner-r@canary.cn")
        owner_e = factories.user(s, Role.ENTERPRISE, email="owner-e@canary.cn")
        other_r = factories.user(s, Role.RESEARCHER, email="other-r@canary.cn")
        other_e = factories.user(s, Role.ENTERPRISE, email="other-e@canary.cn")
        secret_a = factories.achievement(
            s, owner_r, summary=f"摘要{CANARY_ACHIEVEMENT}", **_secret_fields(CANARY_ACHIEVEMENT)
        )
        secret_n = factories.need(
            s,
            owner_e,
            current_approach=f"现有做法{CANARY_NEED}",
            desired_outcome=f"目标{CANARY_NEED}",
            **_secret_fields(CANARY_NEED),
        )
        public_a = factories.achievement(s, other_r, title="公开的散热基板成果")
        public_n = factories.need(s, other_e, title="公开的散热需求")
        matches = [
            factories.match(s, public_n, secret_a, score=0.9),
            factories.match(s, secret_n, public_a, score=0.9),
        ]
        s.flush()
        for match in matches:
            for target in (MatchState.APPROVED, MatchState.INTRODUCED):
                pipeline.decide(
                    s,
                    staff,
                    match,
                    pipeline.Decision(target=target, expected_version=match.version),
                )
                s.flush()
        parties.respond(s, other_e, matches[0], "interested")
        parties.respond(s, other_r, matches[1], "interested")
        roadshow = factories.roadshow(s, staff, title="保密测试路演", presentation_slots=4)
        s.flush()
        for achievement in (secret_a, public_a):
            s.add(LineupItem(roadshow_id=roadshow.id, achievement_id=achievement.id))
        s.flush()
        events.publish(s, staff, roadshow)
        registration = desk.register(
            s, roadshow, desk.Applicant(name="外部企业", email=other_e.email), user=other_e
        )
        tokens = {
            user.email: api_tokens.create(s, user, "sweep").secret for user in (other_r, other_e)
        }
        s.flush()
        ids = {
            "roadshow": roadshow.id,
            "items": {i.achievement_id: i.id for i in roadshow.lineup},
            "secret_a": secret_a.id,
            "registration": registration.id,
        }
    yield app, ids, tokens
    runtime.database().dispose()


def _client(app: Flask, email: str | None) -> FlaskClient:
    client = app.test_client()
    if email:
        response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
        assert response.status_code == 302
    return client


def _all_ids() -> list[int]:
    with runtime.database().session() as s:
        biggest = max(
            s.scalar(sa.select(sa.func.max(model.id))) or 0
            for model in (Achievement, Need, Match, LineupItem, Notification)
        )
    return list(range(1, biggest + 2))


def _urls(app: Flask, ids: list[int]) -> Iterator[str]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIPPED or "GET" not in (rule.methods or ()):
            continue
        choices = []
        for name in sorted(rule.arguments):
            if isinstance(rule._converters[name], IntegerConverter):
                choices.append([(name, i) for i in ids])
            elif name in PART_VALUES:
                choices.append([(name, v) for v in PART_VALUES[name]])
            else:
                choices.append([(name, "x")])
        for parts in itertools.product(*choices):
            with app.test_request_context():
                yield url_for(rule.endpoint, **dict(parts))


def _text(response) -> str:
    """What a person gets out of a response: the page or JSON, or every cell of a workbook."""
    kind = response.headers.get("Content-Type", "")
    body = response.get_data()
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if kind.startswith(("text/", "application/json")):
        return body.decode("utf-8")
    return ""  # images (QR codes hold check-in codes only)


def _leaks(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


def test_the_other_side_can_never_request_a_meeting_with_a_confidential_presentation(
    world,
) -> None:
    app, ids, _tokens = world
    client = _client(app, "other-e@canary.cn")
    item_id = ids["items"][ids["secret_a"]]
    response = client.post(
        f"/roadshows/{ids['roadshow']}/meetings/request", data={"item_id": item_id}
    )
    assert response.status_code in (302, 404)
    page = client.get(f"/roadshows/{ids['roadshow']}/meetings").get_data(as_text=True)
    assert _leaks(page) == []
    with runtime.database().session() as s:
        from matchmaker.models import Meeting

        assert s.scalar(sa.select(Meeting).where(Meeting.lineup_item_id == item_id)) is None


def test_no_page_in_either_language_shows_a_canary_to_outsiders(world) -> None:
    app, _ids, _tokens = world
    ids = _all_ids()
    found: list[str] = []
    for email in (None, "other-r@canary.cn", "other-e@canary.cn"):
        for lang in ("zh", "en"):
            client = _client(app, email)
            client.get(f"/lang/{lang}")
            for url in _urls(app, ids):
                if url.startswith("/api/"):
                    continue
                response = client.get(url)
                assert response.status_code < 500, f"{url} as {email}: {response.status_code}"
                if leaked := _leaks(_text(response)):
                    found.append(f"{url} as {email or 'anonymous'} ({lang}): {leaked}")
    assert found == []


def test_no_api_answer_shows_a_canary_to_outsiders(world) -> None:
    app, _ids, tokens = world
    ids = _all_ids()
    client = app.test_client()
    found = []
    for email, secret in tokens.items():
        headers = {"Authorization": f"Bearer {secret}"}
        for url in _urls(app, ids):
            if not url.startswith("/api/"):
                continue
            response = client.get(url, headers=headers)
            assert response.status_code < 500, url
            if leaked := _leaks(_text(response)):
                found.append(f"{url} as {email}: {leaked}")
    assert found == []


def test_no_notification_or_mail_to_outsiders_holds_a_canary(world) -> None:
    _app, _ids, _tokens = world
    with runtime.database().session() as s:
        outsiders = {"other-r@canary.cn", "other-e@canary.cn"}
        outsider_ids = s.scalars(sa.select(User.id).where(User.email.in_(outsiders))).all()
        notes = s.scalars(
            sa.select(Notification).where(Notification.user_id.in_(outsider_ids))
        ).all()
        mails = s.scalars(sa.select(OutboxMail).where(OutboxMail.recipient.in_(outsiders))).all()
        assert notes and mails  # the introductions reached them
        texts = [str(n.params) for n in notes]
        texts += [render(n.message_key, n.params, lang) for n in notes for lang in ("zh", "en")]
        texts += [m.subject + m.body for m in mails]
        assert [t for t in texts if _leaks(t)] == []
        # staff and the owners themselves still see the real titles
        staff_notes = s.scalars(
            sa.select(Notification).where(Notification.message_key == "match_response")
        ).all()
        assert any(CANARY_NEED in render(n.message_key, n.params, "zh") for n in staff_notes)


def test_every_notification_opens_a_page_its_reader_may_see(world) -> None:
    """Each notification's link, opened by its own reader, answers with a page (not 404/403)."""
    app, _ids, _tokens = world
    with runtime.database().session() as s:
        notes = [
            (n.message_key, n.link, s.get(User, n.user_id).email)
            for n in s.scalars(sa.select(Notification).where(Notification.link.is_not(None)))
        ]
    assert {key for key, _link, _email in notes} >= {"match_introduced", "match_response"}
    broken = []
    for key, link, email in notes:
        client = _client(app, email)
        response = client.get(link, follow_redirects=True)
        if response.status_code != 200:
            broken.append(f"{key} → {link} as {email}: {response.status_code}")
        text = render(key, {"response": "declined", "title": "x"}, "zh")
        assert "declined" not in text  # codes are shown as words
    assert broken == []
