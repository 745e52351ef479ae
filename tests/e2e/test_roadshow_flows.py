"""A roadshow from start to finish in the browser: staff create it and accept the recommended
lineup, an enterprise registers and is checked in by its code, asks a presenter for a meeting,
the presenter accepts, staff schedule and publish it, the enterprise records its follow-up
intent, and the report counts all of it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from matchmaker.demo.loader import DEMO_LOGINS
from matchmaker.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_foundation_flows import sign_in

pytestmark = pytest.mark.e2e


def fill_roadshow_form(staff, title: str, day: str) -> int:  # type: ignore[no-untyped-def]
    """Fill the open new-roadshow form (09:00–12:00 on `day`, 30 seats, 4 slots), save it and
    return the new roadshow's id from the lineup page it leads to."""
    staff.fill("input[name=title]", title)
    staff.fill("input[name=starts_at]", f"{day}T09:00")
    staff.fill("input[name=ends_at]", f"{day}T12:00")
    staff.fill("input[name=capacity]", "30")
    staff.fill("input[name=presentation_slots]", "4")
    staff.click("[data-action=save]")
    staff.wait_for_url(re.compile(r".*/roadshows/\d+/lineup$"))
    return int(re.search(r"/roadshows/(\d+)/", staff.url).group(1))  # type: ignore[union-attr]


def _presenter_email(instance: Path, roadshow_id: int) -> str:
    """Who owns the achievement the enterprise asked to meet (read from the server's database)."""
    with sqlite3.connect(instance / "matchmaker.sqlite") as conn:
        row = conn.execute(
            "SELECT u.email FROM roadshow_meetings m"
            " JOIN roadshow_lineup l ON l.id = m.lineup_item_id"
            " JOIN achievements a ON a.id = l.achievement_id"
            " JOIN users u ON u.id = a.owner_id WHERE m.roadshow_id = ?",
            (roadshow_id,),
        ).fetchone()
    assert row is not None, "the meeting request was stored"
    return str(row[0])


def _event_day_arrives(instance: Path, roadshow_id: int) -> None:
    """Move the event's start to an hour ago in the server's database: follow-ups open on the
    event day, and the browser cannot wait until 2030."""
    from datetime import UTC, datetime, timedelta

    with sqlite3.connect(instance / "matchmaker.sqlite") as conn:
        (stored,) = conn.execute(
            "SELECT starts_at FROM roadshows WHERE id = ?", (roadshow_id,)
        ).fetchone()
        start = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
        # keep the stored text format (SQLite holds datetimes as text)
        value = start.isoformat(sep=" " if " " in stored else "T")
        conn.execute("UPDATE roadshows SET starts_at = ? WHERE id = ?", (value, roadshow_id))


def _tab(browser, live_server: str, email: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    sign_in(tab, live_server, email)
    return tab


def test_roadshow_from_lineup_to_report(page, browser, live_server, live_instance) -> None:
    staff = page
    sign_in(staff, live_server, DEMO_LOGINS[Role.STAFF])
    staff.click("nav.mainnav >> text=路演")
    staff.click("[data-action=new-roadshow]")
    roadshow_id = fill_roadshow_form(staff, "端到端测试路演", "2030-06-01")

    staff.click("[data-action=recommend]")
    rows = staff.locator("[data-testid=lineup] tr[data-item]")
    assert 1 <= rows.count() <= 4
    assert staff.locator("[data-testid=lineup] ul.covered li").count() >= rows.count()
    screenshot(staff, "roadshow-lineup-zh")
    staff.click("[data-action=publish]")
    assert "路演已发布" in staff.locator(".flash").inner_text()

    # an enterprise registers and gets its check-in code
    enterprise = _tab(browser, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    enterprise.goto(f"{live_server}/roadshows/{roadshow_id}")
    assert enterprise.locator("[data-testid=public-lineup] li").count() == rows.count()
    enterprise.click("[data-action=register]")
    code = enterprise.locator("[data-testid=checkin-code]").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Y]{4}-[2-9A-Y]{4}", code)
    assert "已报名" in enterprise.locator("[data-testid=ticket-status]").inner_text()
    assert enterprise.locator(".qr-box svg").count() == 1
    screenshot(enterprise, "roadshow-ticket-zh")

    # a second desk shows the latest arrivals, refreshed together with the counts
    desk = staff.context.new_page()
    desk.goto(f"{live_server}/roadshows/{roadshow_id}/checkin")
    # headless Chromium has no camera: the page says so instead of doing nothing
    unavailable = desk.locator("[data-testid=scan-unavailable]")
    assert unavailable.is_visible() and "摄像头" in unavailable.inner_text()
    assert desk.locator("[data-testid=arrivals] li.muted").count() == 1  # nobody yet

    # staff check it in by the typed code: the event is in 2030, so only with the explicit
    # override (audited); a second time is refused with a clear message
    staff.goto(f"{live_server}/roadshows/{roadshow_id}/checkin")
    assert staff.locator("[data-testid=before-event-day]").count() == 1
    staff.fill("input[name=code]", code.lower())
    staff.click("[data-action=check-in]")
    assert "尚未到来" in staff.locator(".flash-error").inner_text()
    assert staff.locator("input[name=code]").input_value() == code.lower()  # kept for the retry
    staff.check("[data-testid=checkin-override]")
    staff.click("[data-action=check-in]")
    assert "签到成功" in staff.locator(".flash").inner_text()
    assert staff.locator("[data-testid=checked-in]").inner_text() == "1"
    screenshot(staff, "roadshow-checkin-zh")
    desk.locator("[data-testid=arrivals] li:not(.muted)").first.wait_for(timeout=15_000)
    assert desk.locator("[data-testid=checked-in]").inner_text() == "1"
    desk.close()
    staff.fill("input[name=code]", code)
    staff.check("[data-testid=checkin-override]")
    staff.click("[data-action=check-in]")
    assert "已签到" in staff.locator(".flash-error").inner_text()

    # a meeting is requested and accepted by the presenter
    enterprise.goto(f"{live_server}/roadshows/{roadshow_id}/meetings")
    enterprise.locator("[data-action=request-meeting]").first.click()
    assert "洽谈请求已发送" in enterprise.locator(".flash").inner_text()
    assert enterprise.locator("[data-testid=my-requests] td[data-state=requested]").count() == 1
    presenter = _tab(browser, live_server, _presenter_email(live_instance, roadshow_id))
    presenter.goto(f"{live_server}/roadshows/{roadshow_id}/meetings")
    presenter.locator("[data-testid=incoming] [data-action=accept]").first.click()
    assert presenter.locator("[data-testid=incoming] td[data-state=accepted]").count() == 1

    # staff schedule and publish it
    staff.goto(f"{live_server}/roadshows/{roadshow_id}/schedule")
    staff.click("[data-action=generate]")
    assert staff.locator("[data-testid=schedule-grid] td.booked").count() == 1
    staff.click("[data-action=publish-schedule]")
    assert staff.locator("[data-testid=schedule-published]").count() == 1
    screenshot(staff, "roadshow-schedule-zh")

    # the enterprise sees its agenda and records its intent
    enterprise.goto(f"{live_server}/roadshows/{roadshow_id}/agenda")
    assert enterprise.locator("[data-testid=agenda] tbody tr").count() == 1
    agenda = enterprise.locator("[data-testid=agenda]").inner_text()
    start, end = re.search(r"2030-06-01 (\d\d:\d\d)–(\d\d:\d\d)", agenda).groups()  # type: ignore[union-attr]
    # Shanghai wall-clock time, first slot: after the presentations (4 slots × 15 minutes)
    assert (start, end) == ("10:00", "10:20")
    # no follow-up before the meeting has happened; on the event day there is
    assert enterprise.locator("[data-testid=agenda] [data-action=followup]").count() == 0
    _event_day_arrives(live_instance, roadshow_id)
    enterprise.reload()
    enterprise.click("[data-testid=agenda] [data-action=followup]")
    enterprise.check("input[name=intent][value=further_talks]")
    enterprise.click("[data-action=save-followup]")
    assert "跟进意向已记录" in enterprise.locator(".flash").inner_text()

    # the report shows it all
    staff.goto(f"{live_server}/roadshows/{roadshow_id}/report")
    report = staff.locator("[data-testid=report]")
    assert report.locator("[data-metric=registered]").inner_text() == "1"
    assert report.locator("[data-metric=attended]").inner_text() == "1"
    assert report.locator("[data-metric=held]").inner_text() == "1"
    intents = staff.locator("[data-testid=intents]")
    assert intents.locator("[data-intent=further_talks]").inner_text() == "1"
    screenshot(staff, "roadshow-report-zh")
    for tab in (enterprise, presenter):
        tab.context.close()
