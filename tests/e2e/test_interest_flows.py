"""An enterprise asks about a confidential achievement, the researcher accepts with the
association's confidentiality agreement, the enterprise accepts it and sees the technical
details; the researcher revokes and the details are hidden again (in Chinese)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from matchmaker.demo.loader import DEMO_LOGINS
from matchmaker.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_foundation_flows import sign_in, sign_out
from tests.e2e.test_layout import _check_page as check_layout

pytestmark = pytest.mark.e2e


def _confidential_achievement(instance: Path) -> tuple[int, str, str]:
    """A published confidential demo achievement: its id, its owner's e-mail and a piece of
    its description (the technical details)."""
    with sqlite3.connect(instance / "matchmaker.sqlite") as conn:
        row = conn.execute(
            "SELECT a.id, u.email, a.description FROM achievements a"
            " JOIN users u ON u.id = a.owner_id"
            " WHERE a.visibility = 'confidential' AND a.state = 'published' ORDER BY a.id LIMIT 1"
        ).fetchone()
        assert row is not None, "the demo data has confidential achievements"
        name = conn.execute(
            "SELECT name FROM users WHERE email = ?", (DEMO_LOGINS[Role.ENTERPRISE],)
        ).fetchone()[0]
    achievement_id, owner, description = row
    return int(achievement_id), str(owner), str(description)[:20] + "|" + str(name)


def test_ask_accept_agreement_details_revoke(page, live_server, live_instance) -> None:
    achievement_id, owner_email, packed = _confidential_achievement(live_instance)
    details, enterprise_name = packed.split("|", 1)
    listing = f"{live_server}/achievements/{achievement_id}"

    # the enterprise cannot open the confidential listing, but can ask about it
    sign_in(page, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    assert page.goto(listing).status == 404
    page.goto(f"{live_server}/interest/ask/achievement/{achievement_id}")
    assert "保密内容" in page.locator("[data-testid=ask-listing]").inner_text()
    page.click("[data-action=send-interest]")  # empty: the browser's required check stops it
    page.fill("textarea[name=message]", "我司在做相关产品，希望了解技术参数与合作方式。")
    screenshot(page, "interest-ask-zh")
    page.click("[data-action=send-interest]")
    page.locator("[data-testid=sent]").wait_for()
    assert page.locator("[data-testid=state]").inner_text() == "等待答复"
    request_url = page.url.split("?")[0]
    sign_out(page)

    # the researcher sees the organisation, its credit code, and accepts with the agreement
    sign_in(page, live_server, owner_email)
    page.goto(f"{live_server}/interest/incoming")
    page.locator("[data-testid=interest-requests] a").first.click()
    assert len(page.locator("[data-testid=credit-code]").inner_text().strip()) == 18
    assert page.locator("[data-testid=agreement-required]").is_checked()
    screenshot(page, "interest-answer-zh")
    page.click("[data-action=accept]")
    assert page.locator("[data-testid=state]").inner_text() == "已接受：待签署保密协议"
    sign_out(page)

    # the enterprise reads and accepts the agreement, then sees the technical details
    sign_in(page, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    assert page.goto(listing).status == 404
    page.goto(request_url)
    page.click("[data-action=open-agreement]")
    assert "保密协议" in page.locator("[data-testid=agreement-text]").inner_text()
    page.fill("input[name=typed_name]", "别人的名字")
    page.click("[data-action=accept-agreement]")
    assert "请输入与账户一致的姓名" in page.locator("[data-testid=form-problems]").inner_text()
    page.fill("input[name=typed_name]", enterprise_name)
    screenshot(page, "interest-agreement-zh")
    page.click("[data-action=accept-agreement]")
    assert page.locator("[data-testid=state]").inner_text() == "详情已开放"
    assert page.locator("[data-testid=agreement-pdf]").count() == 1
    page.goto(listing)
    assert details in page.locator("[data-testid=details]").inner_text()
    screenshot(page, "interest-details-open-zh")
    sign_out(page)

    # the researcher revokes: the details are hidden again at once
    sign_in(page, live_server, owner_email)
    page.goto(request_url)
    page.fill("textarea[name=note]", "合作意向终止")
    page.click("[data-action=revoke]")
    assert page.locator("[data-testid=state]").inner_text() == "查看权限已撤回"
    sign_out(page)
    sign_in(page, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    assert page.goto(listing).status == 404


def _second_confidential_achievement(instance: Path) -> tuple[int, str]:
    """Another confidential demo achievement (the test above revokes on the first) and its
    owner's e-mail."""
    with sqlite3.connect(instance / "matchmaker.sqlite") as conn:
        row = conn.execute(
            "SELECT a.id, u.email FROM achievements a JOIN users u ON u.id = a.owner_id"
            " WHERE a.visibility = 'confidential' AND a.state = 'published'"
            " ORDER BY a.id LIMIT 1 OFFSET 1"
        ).fetchone()
    assert row is not None, "the demo data has two confidential achievements"
    return int(row[0]), str(row[1])


def test_from_a_confidential_achievement_to_a_signed_contract(
    page, live_server, live_instance
) -> None:
    """The issue's whole path in Chinese: ask → accept with agreement → agreement accepted →
    details → thread → tied to the enterprise's need → meeting → agreement reached → staff
    record the contract → 已签约."""
    achievement_id, owner_email = _second_confidential_achievement(live_instance)
    enterprise = DEMO_LOGINS[Role.ENTERPRISE]
    with sqlite3.connect(live_instance / "matchmaker.sqlite") as conn:
        enterprise_name = conn.execute(
            "SELECT name FROM users WHERE email = ?", (enterprise,)
        ).fetchone()[0]

    sign_in(page, live_server, enterprise)
    page.goto(f"{live_server}/interest/ask/achievement/{achievement_id}")
    page.fill("textarea[name=message]", "希望了解技术参数，探讨合作。")
    page.click("[data-action=send-interest]")
    page.locator("[data-testid=sent]").wait_for()
    request_url = page.url.split("?")[0]
    sign_out(page)

    sign_in(page, live_server, owner_email)
    page.goto(request_url)
    page.click("[data-action=accept]")
    assert page.locator("[data-testid=state]").inner_text() == "已接受：待签署保密协议"
    sign_out(page)

    sign_in(page, live_server, enterprise)
    page.goto(request_url)
    page.click("[data-action=open-agreement]")
    page.fill("input[name=typed_name]", enterprise_name)
    page.click("[data-action=accept-agreement]")
    assert page.locator("[data-testid=state]").inner_text() == "详情已开放"
    page.click("[data-testid=thread-link] a")
    thread_url = page.url.split("#")[0]
    page.fill("textarea[name=body]", "您好，我们想把这项成果用在我司的需求上。")
    page.click("[data-action=send]")
    # tie the conversation to one of the enterprise's own needs: it becomes a match
    tie = page.locator("[data-testid=tie]")
    assert "推进为正式对接" in tie.inner_text()
    screenshot(page, "interest-thread-tie-zh")
    # the thread with its tie form fits a phone and a wide screen, in English and Chinese
    default_size = page.viewport_size
    thread_path = thread_url.removeprefix(live_server)
    for locale in ("en", "zh"):
        page.goto(f"{live_server}/lang/{locale}?next={thread_path}")
        for width in (390, 1920):
            page.set_viewport_size({"width": width, "height": 860})
            check_layout(page, live_server, thread_path, width, f"{locale} interest thread")
            screenshot(page, f"interest-thread-tie-{locale}-{width}")
    assert "推进为正式对接" in page.locator("[data-testid=tie]").inner_text()
    page.set_viewport_size(default_size)
    page.click("[data-action=tie]")
    assert page.locator("[data-testid=match-state]").inner_text() == "已引荐"
    assert page.locator("[data-testid=tie]").count() == 0
    assert (
        "您好，我们想把这项成果用在我司的需求上。"
        in page.locator("[data-testid=messages]").inner_text()
    )
    page.fill("#starts_at", "2030-01-15T10:00")
    page.check("input[name=mode][value=online]")
    page.fill("#place", "腾讯会议 888-888")
    page.click("[data-action=propose-meeting]")
    assert "等待对方答复" in page.locator("[data-testid=meeting]").last.inner_text()
    sign_out(page)

    sign_in(page, live_server, owner_email)
    page.goto(thread_url)
    page.click("[data-action=accept-meeting]")
    assert page.locator("[data-testid=match-state]").inner_text() == "会谈"
    page.click("[data-action=agreement]")
    page.locator("[data-testid=agreement-waiting]").wait_for()
    sign_out(page)

    sign_in(page, live_server, DEMO_LOGINS[Role.STAFF])
    page.goto(thread_url)
    page.fill("#contract_value", "80")
    screenshot(page, "interest-thread-contract-zh")
    page.click("[data-action=record-contract]")
    assert page.locator("[data-testid=match-state]").inner_text() == "已签约"
    assert "80" in page.locator("[data-testid=contract]").inner_text()
    sign_out(page)

    # the enterprise sees the signed deal in its thread
    sign_in(page, live_server, enterprise)
    page.goto(thread_url)
    assert page.locator("[data-testid=match-state]").inner_text() == "已签约"
    screenshot(page, "interest-thread-signed-zh")
