"""Expiry and renewal, driven by a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from celery.schedules import crontab

from matchmaker import clock, runtime
from matchmaker.celery_app import celery
from matchmaker.core import signed_links
from matchmaker.core.errors import NotFound, PermissionDenied, ValidationFailed
from matchmaker.listings import operations as listings
from matchmaker.listings import validity
from matchmaker.models import (
    AuditEntry,
    ListingState,
    Match,
    MatchState,
    Notification,
    OutboxMail,
    Role,
    SavedSearch,
)
from tests import factories

START = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def fake_clock():
    clock.set_now(START)
    yield clock
    clock.set_now(None)


def publish(session, listing):
    staff = factories.user(session, Role.STAFF)
    listing.state = ListingState.SUBMITTED
    return listings.transition(
        session,
        staff,
        listing,
        ListingState.PUBLISHED,
        settings=runtime.settings(),
        engine=runtime.search_engine(),
    )


def test_publication_starts_the_validity_from_settings_or_the_form(session, fake_clock) -> None:
    need = publish(session, factories.need(session, state=ListingState.DRAFT))
    achievement = publish(session, factories.achievement(session, state=ListingState.DRAFT))
    chosen = publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=30))
    assert need.expires_at == START + timedelta(days=180)
    assert achievement.expires_at == START + timedelta(days=365)
    assert chosen.expires_at == START + timedelta(days=30)


def test_publishing_a_need_opts_its_owner_into_matching_achievements(session, fake_clock) -> None:
    need = publish(session, factories.need(session, state=ListingState.DRAFT))
    alert = session.scalar(sa.select(SavedSearch).where(SavedSearch.need_id == need.id))
    assert alert is not None and alert.active and alert.user_id == need.owner_id
    assert alert.kind == "achievement"


def test_nudges_14_and_3_days_before_then_expiry(session, fake_clock) -> None:
    settings = runtime.settings()
    need = publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=30))
    owner = need.owner

    def mails() -> list[OutboxMail]:
        return session.scalars(
            sa.select(OutboxMail).where(OutboxMail.recipient == owner.email)
        ).all()

    def nudges() -> int:
        return len(
            session.scalars(
                sa.select(Notification).where(
                    Notification.user_id == owner.id, Notification.message_key == "renewal_nudge"
                )
            ).all()
        )

    clock.advance(timedelta(days=15))  # 15 days left: nothing yet
    assert validity.run_daily(session, settings).nudged == 0
    clock.advance(timedelta(days=1))  # 14 days left
    assert validity.run_daily(session, settings).nudged == 1
    assert validity.run_daily(session, settings).nudged == 0  # once per threshold
    assert nudges() == 1
    renewal_mail = [m for m in mails() if "/renew/" in m.body][-1]
    assert renewal_mail.body.count(settings.site_url + "/renew/") == 1
    clock.advance(timedelta(days=10))  # 4 days left
    assert validity.run_daily(session, settings).nudged == 0
    clock.advance(timedelta(days=1))  # 3 days left
    assert validity.run_daily(session, settings).nudged == 1
    assert nudges() == 2
    assert need.state == ListingState.PUBLISHED
    clock.advance(timedelta(days=3))
    report = validity.run_daily(session, settings)
    assert report.expired == 1 and need.state == ListingState.EXPIRED
    assert session.get(type(need), need.id) is not None  # nothing deleted
    assert session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "need.expired", AuditEntry.entity_id == need.id
        )
    )
    assert validity.run_daily(session, settings).expired == 0


def test_a_late_start_sends_only_the_closest_reminder(session, fake_clock) -> None:
    need = publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=30))
    clock.advance(timedelta(days=28))
    assert validity.send_nudges(session, runtime.settings()) == 1
    assert need.renewal_nudged_days == 3
    assert validity.send_nudges(session, runtime.settings()) == 0


def test_renewal_link_extends_once_and_only_for_that_listing(session, fake_clock) -> None:
    settings = runtime.settings()
    need = publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=30))
    other = publish(session, factories.need(session, state=ListingState.DRAFT))
    clock.advance(timedelta(days=20))
    token = validity.renewal_token(settings, need)
    assert validity.listing_for_token(session, settings, token) is need
    validity.renew(session, settings, None, need)
    assert need.expires_at == START + timedelta(days=50)
    assert need.renewal_nudged_days is None
    with pytest.raises(ValidationFailed) as used:
        validity.listing_for_token(session, settings, token)
    assert used.value.code == "token_used"
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    with pytest.raises(ValidationFailed):
        validity.listing_for_token(session, settings, forged)
    # a genuine token of another purpose is worthless here
    foreign = signed_links.sign(
        settings.secret_key, signed_links.UNSUBSCRIBE, {"k": "need", "i": other.id}
    )
    with pytest.raises(ValidationFailed):
        validity.listing_for_token(session, settings, foreign)


def test_owner_renews_an_expired_listing_and_it_comes_back(session, fake_clock) -> None:
    settings = runtime.settings()
    need = publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=30))
    clock.advance(timedelta(days=31))
    validity.run_daily(session, settings)
    assert need.state == ListingState.EXPIRED
    stranger = factories.user(session, Role.ENTERPRISE)
    with pytest.raises(PermissionDenied):
        validity.renew(session, settings, stranger, need)
    validity.renew(session, settings, need.owner, need)
    assert need.state == ListingState.PUBLISHED
    assert need.expires_at == clock.now() + timedelta(days=30)


def test_link_for_a_deleted_or_reassigned_listing_is_refused(session, fake_clock) -> None:
    settings = runtime.settings()
    need = publish(session, factories.need(session, state=ListingState.DRAFT))
    token = validity.renewal_token(settings, need)
    need.owner_id = factories.user(session, Role.ENTERPRISE).id
    session.flush()
    with pytest.raises(NotFound):
        validity.listing_for_token(session, settings, token)


def test_expired_reason_for_the_review_queue(session, fake_clock) -> None:
    settings = runtime.settings()
    need = publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=30))
    achievement = factories.achievement(session, expires_at=START + timedelta(days=400))
    match = Match(need=need, achievement=achievement, score=0.9, state=MatchState.PROPOSED)
    session.add(match)
    session.flush()
    assert validity.expired_reason(match) is None
    clock.advance(timedelta(days=31))
    validity.run_daily(session, settings)
    assert validity.expired_reason(match) == "need_expired"
    validity.renew(session, settings, need.owner, need)
    achievement.state = ListingState.EXPIRED
    assert validity.expired_reason(match) == "achievement_expired"


def test_staff_see_upcoming_expiries_soonest_first(session, fake_clock) -> None:
    late = publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=10))
    soon = publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=5))
    publish(session, factories.need(session, state=ListingState.DRAFT, validity_days=90))
    assert validity.upcoming_expiries(session, days=14) == [soon, late]


def test_beat_runs_expiry_then_digests_daily() -> None:
    import importlib

    from matchmaker.celery_app import TASK_MODULES

    for module in TASK_MODULES:  # the worker imports them the same way
        importlib.import_module(module)

    schedule = celery.conf.beat_schedule
    lifecycle_entry = schedule["listing-lifecycle"]
    digests_entry = schedule["saved-search-digests"]
    assert lifecycle_entry["task"] == "matchmaker.listing_lifecycle"
    assert digests_entry["task"] == "matchmaker.saved_search_digests"
    assert lifecycle_entry["schedule"] == crontab(hour=22, minute=0)
    assert digests_entry["schedule"] == crontab(hour=23, minute=0)
    assert set(celery.tasks) >= {"matchmaker.listing_lifecycle", "matchmaker.saved_search_digests"}


def test_the_beat_task_expires_through_the_worker_code(database, fake_clock) -> None:
    from matchmaker.listings.tasks import listing_lifecycle

    with database.transaction() as s:
        need = factories.need(s, expires_at=START + timedelta(days=1))
        need_id = need.id
    clock.advance(timedelta(days=2))
    assert listing_lifecycle.delay().get() == {"expired": 1, "nudged": 0, "uploads_removed": 0}
    with database.session() as s:
        assert s.get(type(need), need_id).state == ListingState.EXPIRED


# --- through the web -----------------------------------------------------------------------


def test_renewal_link_works_once_without_login(client, app, fake_clock) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        need = factories.need(s, expires_at=START + timedelta(days=3))
        s.commit()
        need_id = need.id
        token = validity.renewal_token(runtime.settings(), need)
    page = client.get(f"/renew/{token}")
    assert page.status_code == 200 and 'data-action="still-valid"' in page.get_data(as_text=True)
    with app.app_context():  # showing the page renews nothing
        assert db.session().get(type(need), need_id).expires_at == START + timedelta(days=3)
    done = client.post(f"/renew/{token}").get_data(as_text=True)
    assert 'data-testid="renewed"' in done
    with app.app_context():
        assert db.session().get(type(need), need_id).expires_at == START + timedelta(days=180)
    again = client.get(f"/renew/{token}")
    assert again.status_code == 400 and "已使用" in again.get_data(as_text=True)


def test_staff_dashboard_lists_upcoming_expiries(client, app, fake_clock) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        factories.user(s, Role.STAFF, email="staff@example.com")
        factories.need(s, title="快到期的需求", expires_at=START + timedelta(days=5))
        factories.need(s, title="还早的需求", expires_at=START + timedelta(days=60))
        s.commit()
    client.post("/login", data={"email": "staff@example.com", "password": factories.PASSWORD})
    page = client.get("/dashboard").get_data(as_text=True)
    section = page[page.index('data-testid="upcoming-expiries"') :]
    assert "快到期的需求" in section and "还早的需求" not in section


def test_owner_renews_an_expired_need_from_the_edit_page(client, app, fake_clock) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        owner = factories.user(s, Role.ENTERPRISE, email="owner@example.com")
        need = factories.need(s, owner=owner, state=ListingState.EXPIRED, expires_at=START)
        s.commit()
        need_id = need.id
    client.post("/login", data={"email": "owner@example.com", "password": factories.PASSWORD})
    page = client.get(f"/my/need/{need_id}/edit").get_data(as_text=True)
    assert 'data-action="renew"' in page
    client.post(f"/my/need/{need_id}/renew")
    with app.app_context():
        renewed = db.session().get(type(need), need_id)
        assert renewed.state == ListingState.PUBLISHED
        assert renewed.expires_at == START + timedelta(days=180)
