"""Saved searches, their digests (driven by a fake clock) and unsubscribe links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from matchmaker import clock, runtime
from matchmaker.core import signed_links
from matchmaker.core.errors import ValidationFailed
from matchmaker.listings import operations as listings
from matchmaker.models import (
    DigestFrequency,
    ListingState,
    Notification,
    OutboxMail,
    Role,
    SavedSearch,
)
from matchmaker.saved_searches import digests
from matchmaker.saved_searches import operations as saved_searches
from tests import factories, fakes

START = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
MATCHING = dict(
    title="氮化铝陶瓷基板低温烧结技术",
    summary="高导热氮化铝陶瓷基板。",
    description="氮化铝陶瓷基板流延成型，热导率 190 W/(m·K)，用于功率模块散热。",
)
UNRELATED = dict(
    title="耐盐碱水稻新品种选育",
    summary="适合滩涂种植的水稻。",
    description="耐盐碱水稻品种，亩产 500 公斤，适合沿海滩涂种植。",
    field="modern_agriculture",
)


@pytest.fixture
def fake_clock():
    clock.set_now(START)
    yield clock
    clock.set_now(None)


@pytest.fixture
def engine(settings, monkeypatch):
    from matchmaker.search import relevance

    monkeypatch.setattr(relevance, "calibration", fakes.calibration)
    return fakes.engine(settings.instance_dir / "index" / "test-index.sqlite")


def mails_to(session, user) -> list[OutboxMail]:
    return list(
        session.scalars(sa.select(OutboxMail).where(OutboxMail.recipient == user.email)).all()
    )


def test_daily_digest_lists_only_new_matching_listings_with_reasons(
    session, engine, fake_clock
) -> None:
    settings = runtime.settings()
    reader = factories.user(session, Role.ENTERPRISE)
    factories.achievement(session, **MATCHING)  # published before the search was saved
    saved = saved_searches.create(
        session, reader, kind="achievement", query="氮化铝 陶瓷基板 散热", facets={}
    )
    session.commit()
    clock.advance(timedelta(hours=20))
    fresh = factories.achievement(session, **{**MATCHING, "title": "氮化铝陶瓷基板金属化工艺"})
    factories.achievement(session, **UNRELATED)
    session.commit()
    fakes.index_all(session, engine)
    clock.advance(timedelta(hours=4))

    report = digests.run(session, engine, settings)
    assert report.sent == 1
    items = report.per_search[saved.id]
    assert [item.id for item in items] == [fresh.id]
    assert items[0].terms and any("氮化铝" in term for term in items[0].terms)
    mail = mails_to(session, reader)[-1]
    assert fresh.title in mail.subject or fresh.title in mail.body
    assert settings.site_url + "/unsubscribe/" in mail.body
    assert session.scalar(
        sa.select(Notification).where(
            Notification.user_id == reader.id, Notification.message_key == "digest_ready"
        )
    )
    assert session.get(SavedSearch, saved.id).last_digest[0]["id"] == fresh.id

    assert digests.run(session, engine, settings).searched == 0  # not due again today
    clock.advance(timedelta(days=1))
    again = digests.run(session, engine, settings)
    assert again.searched == 1 and again.sent == 0  # nothing new since the last digest


def test_weekly_searches_wait_a_week_and_paused_ones_never_run(session, engine, fake_clock) -> None:
    settings = runtime.settings()
    reader = factories.user(session, Role.ENTERPRISE)
    weekly = saved_searches.create(
        session, reader, kind="achievement", query="氮化铝", frequency=DigestFrequency.WEEKLY
    )
    paused = saved_searches.create(session, reader, kind="achievement", query="陶瓷基板")
    saved_searches.update(session, reader, paused, active=False)
    weekly.last_run_at = START
    session.commit()
    clock.advance(timedelta(days=1))
    factories.achievement(session, **MATCHING)
    session.commit()
    fakes.index_all(session, engine)
    assert digests.run(session, engine, settings).searched == 0
    clock.advance(timedelta(days=6))
    report = digests.run(session, engine, settings)
    assert report.searched == 1 and list(report.per_search) == [weekly.id]


def test_confidential_and_own_listings_are_not_announced(session, engine, fake_clock) -> None:
    from matchmaker.models import Visibility

    reader = factories.user(session, Role.RESEARCHER)
    saved = saved_searches.create(session, reader, kind="achievement", query="氮化铝 陶瓷基板")
    session.commit()
    clock.advance(timedelta(hours=1))
    factories.achievement(session, owner=reader, **MATCHING)
    factories.achievement(session, visibility=Visibility.CONFIDENTIAL, **MATCHING)
    visible = factories.achievement(session, **MATCHING)
    session.commit()
    fakes.index_all(session, engine)
    clock.advance(timedelta(days=1))
    report = digests.run(session, engine, runtime.settings())
    assert [item.id for item in report.per_search[saved.id]] == [visible.id]


def test_need_alert_ranks_new_achievements_with_the_matcher(session, engine, fake_clock) -> None:
    settings = runtime.settings()
    staff = factories.user(session, Role.STAFF)
    need = factories.need(session, state=ListingState.SUBMITTED)
    listings.transition(
        session,
        staff,
        need,
        ListingState.PUBLISHED,
        settings=runtime.settings(),
        engine=runtime.search_engine(),
    )
    session.commit()
    alert = session.scalar(sa.select(SavedSearch).where(SavedSearch.need_id == need.id))
    assert alert is not None and alert.active
    clock.advance(timedelta(hours=2))
    fresh = factories.achievement(session, **MATCHING)
    factories.achievement(session, **UNRELATED)
    session.commit()
    fakes.index_all(session, engine)
    clock.advance(timedelta(days=1))
    report = digests.run(session, engine, settings)
    items = report.per_search[alert.id]
    assert items[0].id == fresh.id
    assert items[0].terms  # the matcher's shared terms
    # off with one click: no more digests for this need
    saved_searches.update(session, need.owner, alert, active=False)
    session.commit()
    clock.advance(timedelta(days=1))
    factories.achievement(session, **MATCHING)
    session.commit()
    fakes.index_all(session, engine)
    assert alert.id not in digests.run(session, engine, settings).per_search


def test_unsubscribe_token_is_bound_to_user_and_search(session, fake_clock) -> None:
    settings = runtime.settings()
    alice = factories.user(session, Role.ENTERPRISE)
    bob = factories.user(session, Role.ENTERPRISE)
    mine = saved_searches.create(session, alice, kind="achievement", query="氮化铝")
    theirs = saved_searches.create(session, bob, kind="achievement", query="氮化铝")
    token = saved_searches.unsubscribe_token(settings, mine)
    assert saved_searches.for_token(session, settings, token) is mine
    # a correctly signed payload naming Bob's search for Alice is refused…
    crossed = signed_links.sign(
        settings.secret_key, signed_links.UNSUBSCRIBE, {"u": alice.id, "s": theirs.id}
    )
    with pytest.raises(ValidationFailed):
        saved_searches.for_token(session, settings, crossed)
    # …and nobody without the secret can make one
    forged = signed_links.sign(
        "not-the-secret", signed_links.UNSUBSCRIBE, {"u": bob.id, "s": theirs.id}
    )
    with pytest.raises(ValidationFailed):
        saved_searches.unsubscribe(session, settings, forged)
    renewal_salt = signed_links.sign(
        settings.secret_key, signed_links.RENEWAL, {"u": bob.id, "s": theirs.id}
    )
    with pytest.raises(ValidationFailed):
        saved_searches.unsubscribe(session, settings, renewal_salt)
    saved_searches.unsubscribe(session, settings, token)
    assert mine.active is False and theirs.active is True


def test_empty_search_is_refused(session) -> None:
    reader = factories.user(session, Role.ENTERPRISE)
    with pytest.raises(ValidationFailed) as failed:
        saved_searches.create(session, reader, kind="achievement", query="  ", facets={})
    assert failed.value.code == "search_empty"


# --- through the web -----------------------------------------------------------------------


def login(client, email):
    client.post("/logout")
    client.post("/login", data={"email": email, "password": factories.PASSWORD})


def test_save_manage_and_unsubscribe_without_login(client, app) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        reader = factories.user(s, Role.ENTERPRISE, email="reader@example.com")
        s.commit()
        reader_id = reader.id
    login(client, "reader@example.com")
    response = client.post(
        "/saved-searches",
        data={
            "q": "氮化铝",
            "kind": "achievement",
            "field": "new_materials",
            "frequency": "weekly",
        },
    )
    assert response.status_code == 302
    page = client.get("/saved-searches").get_data(as_text=True)
    assert "氮化铝" in page and 'data-active="yes"' in page
    with app.app_context():
        saved = db.session().scalars(sa.select(SavedSearch)).one()
        assert saved.user_id == reader_id and saved.frequency == DigestFrequency.WEEKLY
        assert saved.facets == {"field": "new_materials"}
        token = saved_searches.unsubscribe_token(runtime.settings(), saved)
    client.post("/logout")
    confirm = client.get(f"/unsubscribe/{token}")
    assert confirm.status_code == 200 and "氮化铝" in confirm.get_data(as_text=True)
    done = client.post(f"/unsubscribe/{token}").get_data(as_text=True)
    assert 'data-testid="unsubscribed"' in done
    assert client.get(f"/unsubscribe/{token[:-2]}xx").status_code == 400
    with app.app_context():
        assert db.session().scalars(sa.select(SavedSearch)).one().active is False


def test_users_only_manage_their_own_saved_searches(client, app) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        owner = factories.user(s, Role.ENTERPRISE)
        factories.user(s, Role.ENTERPRISE, email="other@example.com")
        saved = saved_searches.create(s, owner, kind="achievement", query="氮化铝")
        s.commit()
        saved_id = saved.id
    login(client, "other@example.com")
    assert client.post(f"/saved-searches/{saved_id}/delete").status_code == 404
    assert client.get(f"/saved-searches/{saved_id}").status_code == 404
    with app.app_context():
        assert db.session().get(SavedSearch, saved_id) is not None


def test_a_weakly_related_listing_is_not_mailed(session, engine, fake_clock) -> None:
    """Sharing one word is not a match worth a mail: digests list what is of medium relevance
    or more, the same bar as the search page's confident results."""
    reader = factories.user(session, Role.RESEARCHER)
    saved = saved_searches.create(
        session, reader, kind="achievement", query="氮化铝陶瓷基板 功率模块散热 低温烧结"
    )
    session.commit()
    clock.advance(timedelta(hours=1))
    good = factories.achievement(session, **MATCHING)
    weak = factories.achievement(
        session,
        title="功率模块驱动芯片",
        summary="车规级栅极驱动芯片。",
        description="隔离型栅极驱动芯片，用于电机控制器的功率模块，带过流保护。",
    )
    session.commit()
    fakes.index_all(session, engine)
    clock.advance(timedelta(days=1))
    report = digests.run(session, engine, runtime.settings())
    mailed = [item.id for item in report.per_search[saved.id]]
    assert good.id in mailed
    assert weak.id not in mailed
