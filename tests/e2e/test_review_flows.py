"""Staff work the match queue: filter, open a card, reject with a reason, approve another
(by keyboard), follow it to a signed contract, and see the dashboard change."""

from __future__ import annotations

import re

import pytest

from matchmaker.demo.loader import DEMO_LOGINS
from matchmaker.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_foundation_flows import sign_in, switch_language

pytestmark = pytest.mark.e2e


def tile(page, name: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(f"[data-testid={name}]").inner_text())


def funnel(page, stage: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(f"[data-testid=funnel-table] td[data-stage={stage}]").inner_text())


def test_staff_review_a_match_through_to_a_signed_deal(page, live_server) -> None:
    sign_in(page, live_server, DEMO_LOGINS[Role.STAFF])
    page.goto(f"{live_server}/review/dashboard")
    signed_before, approved_before = tile(page, "signed"), funnel(page, "approved")
    to_decide_before = tile(page, "to-decide")
    assert to_decide_before > 0, "the demo site proposes matches on its first run"

    page.click("details[data-menu=staff] > summary")
    page.click("nav.mainnav >> text=对接审核")
    total_before = int(re.sub(r"\D", "", page.locator("[data-testid=total]").inner_text()))
    first_row = page.locator("table.queue tr[data-match]").first
    region = first_row.locator("td").nth(2).locator(".muted").inner_text().split("·")[-1].strip()
    page.select_option("select[name=region]", region)
    page.click("[data-action=filter]")
    rows = page.locator("table.queue tr[data-match]")
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert region in text
    total_after = int(re.sub(r"\D", "", page.locator("[data-testid=total]").inner_text()))
    assert 1 <= total_after <= total_before and rows.count() == min(total_after, 50)
    screenshot(page, "review-queue-zh")

    # reject the first one with a reason
    rows.first.locator("td a").first.click()
    page.wait_for_selector("[data-testid=need-side]")
    assert page.locator("[data-testid=checks] li").count() >= 5
    screenshot(page, "review-card-zh")
    reject = page.locator("form[data-target=rejected]")
    reject.locator("select[name=reason]").select_option("field_mismatch")
    reject.locator("[data-action=rejected]").click()
    assert page.locator("[data-testid=match-state]").inner_text() == "已驳回"
    assert "领域不符" in page.locator("[data-testid=reject-reason]").inner_text()
    assert "领域不符" in page.locator("[data-testid=history]").inner_text()

    # approve the next one with the keyboard
    page.click("[data-testid=next-match]")
    page.wait_for_selector("form[data-target=approved]")
    approved_id = re.search(r"/review/matches/(\d+)", page.url).group(1)
    page.keyboard.press("a")
    page.wait_for_selector(".flash-success")
    page.goto(f"{live_server}/review/matches/{approved_id}")
    assert page.locator("[data-testid=match-state]").inner_text() == "已通过"

    for target in ("introduced", "meeting", "negotiating"):
        page.click(f"form[data-target={target}] [data-action={target}]")
        page.wait_for_selector(".flash-success")
    signed = page.locator("form[data-target=signed]")
    signed.locator("input[name=contract_value]").fill("120")
    signed.locator("[data-action=signed]").click()
    assert page.locator("[data-testid=match-state]").inner_text() == "已签约"
    assert "120" in page.locator("[data-testid=contract]").inner_text()

    page.goto(f"{live_server}/review/dashboard")
    assert tile(page, "signed") == signed_before + 1
    assert funnel(page, "approved") == approved_before + 1
    assert tile(page, "to-decide") <= to_decide_before - 2
    screenshot(page, "review-dashboard-zh")

    switch_language(page, "en")
    assert page.locator("h1").inner_text() == "Matching dashboard"
    assert "Funnel" in page.content()
    # the choice is saved on the account: switch back so later tests see Chinese
    switch_language(page, "zh")
    assert page.locator("h1").inner_text() == "对接数据看板"
