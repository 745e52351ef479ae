"""A match's conversation in Chinese: staff introduce a match, the enterprise opens the thread
from its notification and writes, the researcher answers, a meeting is proposed and accepted
(the match shows 会谈), the parties report agreement, staff record the contract (已签约)."""

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


def _proposed_pair(instance: Path) -> tuple[int, str, str]:
    """A proposed match (the newest, away from the queue's first rows other tests decide) with
    the e-mails of the need's and the achievement's owners."""
    with sqlite3.connect(instance / "matchmaker.sqlite") as conn:
        row = conn.execute(
            "SELECT m.id, un.email, ua.email FROM matches m"
            " JOIN needs n ON n.id = m.need_id JOIN users un ON un.id = n.owner_id"
            " JOIN achievements a ON a.id = m.achievement_id JOIN users ua ON ua.id = a.owner_id"
            " WHERE lower(m.state) = 'proposed' AND lower(n.state) = 'published'"
            " AND lower(a.state) = 'published' ORDER BY m.id DESC LIMIT 1"
        ).fetchone()
    assert row is not None, "the demo site proposes matches on its first run"
    return int(row[0]), str(row[1]), str(row[2])


def _tab(browser, live_server: str, email: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    sign_in(tab, live_server, email)
    return tab


def _open_notification(tab, live_server: str, key: str) -> None:  # type: ignore[no-untyped-def]
    tab.goto(f"{live_server}/notifications")
    tab.locator(f"li[data-key={key}] button").first.click()
    tab.wait_for_url(re.compile(r".*/threads/\d+(#.*)?$"))


def _write(tab, text: str) -> None:  # type: ignore[no-untyped-def]
    tab.fill("#body", text)
    tab.click("[data-action=send]")
    tab.locator("[data-testid=messages]", has_text=text).wait_for()


def test_a_match_conversation_from_introduction_to_a_signed_contract(
    browser, live_server, live_instance
) -> None:
    match_id, enterprise_email, researcher_email = _proposed_pair(live_instance)
    staff = _tab(browser, live_server, DEMO_LOGINS[Role.STAFF])
    for target in ("approved", "introduced"):
        staff.goto(f"{live_server}/review/matches/{match_id}")
        staff.locator(f"form[data-target={target}] [data-action={target}]").click()
        staff.wait_for_load_state()
    assert staff.locator("[data-testid=match-state]").inner_text() == "已引荐"

    enterprise = _tab(browser, live_server, enterprise_email)
    _open_notification(enterprise, live_server, "match_introduced")
    thread = enterprise.url.split("#")[0]
    assert enterprise.locator("h1").inner_text()  # what the thread is about
    _write(enterprise, "您好，我们对贵单位的成果很感兴趣，能否提供样品测试数据？")

    researcher = _tab(browser, live_server, researcher_email)
    _open_notification(researcher, live_server, "conversation_message")
    assert researcher.url.split("#")[0] == thread
    assert "样品测试数据" in researcher.locator("[data-testid=messages]").inner_text()
    _write(researcher, "可以，测试报告见附件说明，欢迎来实验室面谈。")

    enterprise.goto(thread)
    assert "欢迎来实验室面谈" in enterprise.locator("[data-testid=messages]").inner_text()
    enterprise.fill("#starts_at", "2031-03-02T10:00")
    enterprise.fill("#place", "南京市江北新区研创园 3 号楼")
    enterprise.fill("#note", "带两位工程师")
    enterprise.click("[data-action=propose-meeting]")
    enterprise.locator("[data-testid=meeting]", has_text="南京市江北新区研创园").wait_for()
    assert enterprise.locator("[data-action=accept-meeting]").count() == 0  # not their own

    researcher.goto(thread)
    researcher.click("[data-action=accept-meeting]")
    assert researcher.locator("[data-testid=match-state]").inner_text() == "会谈"
    screenshot(researcher, "conversation-meeting-zh")
    researcher.click("[data-action=agreement]")
    researcher.locator("[data-testid=agreement]").wait_for()

    staff.goto(f"{live_server}/threads/?show=agreement")
    staff.locator(f"[data-testid=threads] a[href='{thread.removeprefix(live_server)}']").click()
    staff.fill("#contract_value", "150")
    staff.click("[data-action=record-contract]")
    assert staff.locator("[data-testid=match-state]").inner_text() == "已签约"
    assert "150" in staff.locator("[data-testid=contract]").inner_text()
    screenshot(staff, "conversation-signed-zh")

    enterprise.goto(thread)
    assert enterprise.locator("[data-testid=match-state]").inner_text() == "已签约"
    assert enterprise.locator("[data-testid=contract-recorded]").count() == 1
    for tab in (staff, enterprise, researcher):
        tab.context.close()
