"""Lifecycle in the browser: save a search and leave it from the mail link, renew a listing
from the reminder link, and staff merge a duplicate another organisation submitted."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from matchmaker.core import signed_links
from matchmaker.demo.loader import DEMO_LOGINS
from matchmaker.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_foundation_flows import sign_in, sign_out

pytestmark = pytest.mark.e2e


def _db(instance: Path) -> sqlite3.Connection:
    return sqlite3.connect(instance / "matchmaker.sqlite")


def _secret(instance: Path) -> str:
    return (instance / "secret_key").read_text().strip()


def test_save_a_search_then_unsubscribe_from_the_mail_link(
    page, live_server, live_instance
) -> None:
    sign_in(page, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    page.goto(f"{live_server}/search?kind=achievement&q=氮化铝陶瓷基板")
    page.select_option("[data-testid=save-search] select[name=frequency]", "weekly")
    page.click("[data-action=save-search]")
    page.wait_for_url("**/saved-searches*")
    row = page.locator("tr[data-saved]", has_text="氮化铝陶瓷基板")
    assert row.get_attribute("data-active") == "yes"
    assert "每周" in row.locator("select[name=frequency] option:checked").inner_text()
    screenshot(page, "saved-searches-zh")
    saved_id = int(row.get_attribute("data-saved") or 0)
    with _db(live_instance) as conn:
        (user_id,) = conn.execute(
            "SELECT user_id FROM saved_searches WHERE id = ?", (saved_id,)
        ).fetchone()
    token = signed_links.sign(
        _secret(live_instance), signed_links.UNSUBSCRIBE, {"u": user_id, "s": saved_id}
    )
    sign_out(page)

    page.goto(f"{live_server}/unsubscribe/{token}")  # signed out, as from a mailbox
    assert "氮化铝陶瓷基板" in page.locator("[data-testid=unsubscribe]").inner_text()
    page.click("[data-action=confirm-unsubscribe]")
    assert "不再收到" in page.locator("[data-testid=unsubscribed]").inner_text()
    with _db(live_instance) as conn:
        (active,) = conn.execute(
            "SELECT active FROM saved_searches WHERE id = ?", (saved_id,)
        ).fetchone()
    assert active == 0
    page.goto(f"{live_server}/unsubscribe/{token}x?lang=en")
    assert "This link is not valid" in page.locator("[data-testid=unsubscribe]").inner_text()


def test_still_valid_link_renews_the_need(page, live_server, live_instance) -> None:
    with _db(live_instance) as conn:
        need_id, owner_id, expires = conn.execute(
            "SELECT id, owner_id, expires_at FROM needs WHERE state = 'published' "
            "ORDER BY id LIMIT 1"
        ).fetchone()
    old = datetime.fromisoformat(expires).replace(tzinfo=UTC)
    payload = {"k": "need", "i": need_id, "u": owner_id, "e": int(old.timestamp())}
    token = signed_links.sign(_secret(live_instance), signed_links.RENEWAL, payload)
    page.goto(f"{live_server}/renew/{token}")
    page.click("[data-action=still-valid]")
    assert "有效期已延长" in page.locator("[data-testid=renewed]").inner_text()
    screenshot(page, "renewed-zh")
    with _db(live_instance) as conn:
        (renewed,) = conn.execute(
            "SELECT expires_at FROM needs WHERE id = ?", (need_id,)
        ).fetchone()
    assert datetime.fromisoformat(renewed).replace(tzinfo=UTC) > old
    # the same link cannot be used again
    page.goto(f"{live_server}/renew/{token}?lang=en")
    assert "already used" in page.locator("[data-testid=renewal]").inner_text()


def test_staff_merge_a_duplicate_from_another_organisation(
    page, live_server, live_instance
) -> None:
    with _db(live_instance) as conn:
        (researcher_org,) = conn.execute(
            "SELECT organisation_id FROM users WHERE email = ?", (DEMO_LOGINS[Role.RESEARCHER],)
        ).fetchone()
        original_id, title, summary, description, field = conn.execute(
            "SELECT id, title, summary, description, field FROM achievements "
            "WHERE state = 'published' AND organisation_id != ? ORDER BY id LIMIT 1",
            (researcher_org,),
        ).fetchone()
    sign_in(page, live_server, DEMO_LOGINS[Role.RESEARCHER])
    page.click("[data-action=new]")
    page.fill("input[name=title]", title + "（改进版）")
    page.fill("input[name=summary]", summary)
    page.fill("textarea[name=description]", description.replace("。", "；", 2))
    page.select_option("select[name=field]", field)
    page.click("[data-action=save]")
    page.wait_for_selector("[data-testid=state]")
    page.click("[data-action=submit]")
    assert page.locator("[data-testid=state]").inner_text() == "审核中"
    copy_id = int(page.url.rstrip("/").split("/")[-2])
    sign_out(page)

    sign_in(page, live_server, DEMO_LOGINS[Role.STAFF])
    assert int(page.locator("[data-stat=open-duplicates]").inner_text()) >= 1
    page.goto(f"{live_server}/staff/duplicates")
    pair = page.locator(".duplicate-pair", has=page.locator(f"[data-listing='{copy_id}']"))
    assert pair.locator("mark.diff").count() > 0
    screenshot(page, "duplicates-zh")
    pair.locator(f"[data-action=keep-{original_id}]").click()
    # a confirmation page says what will happen; nothing is merged before its button
    plan = page.locator("[data-testid=merge-plan]").inner_text()
    assert f"#{copy_id}" in plan and f"#{original_id}" in plan
    with _db(live_instance) as conn:
        (still,) = conn.execute(
            "SELECT merged_into_id FROM achievements WHERE id = ?", (copy_id,)
        ).fetchone()
    assert still is None
    page.click("[data-action=confirm-merge]")
    assert "已将" in page.locator(".flash-success").inner_text()
    with _db(live_instance) as conn:
        state, merged_into = conn.execute(
            "SELECT state, merged_into_id FROM achievements WHERE id = ?", (copy_id,)
        ).fetchone()
    assert (state, merged_into) == ("archived", original_id)
    page.goto(f"{live_server}/staff/duplicates?lang=en")
    assert page.locator("h1").inner_text() == "Possible duplicates"
