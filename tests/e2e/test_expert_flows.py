"""Experts end to end: staff invite an expert, the expert confirms by the e-mailed link, a need
gets the expert proposed with a reason, staff introduce them and follow the pipeline to a signed
contract; then a service team is recommended, adjusted, visits an enterprise and is reported."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from matchmaker.demo.loader import DEMO_LOGINS
from matchmaker.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_foundation_flows import sign_in

pytestmark = pytest.mark.e2e

NEED_TITLE = "高镍正极材料电池高温循环衰减和胀气问题求解"
DIRECTIONS = (
    "高镍三元正极材料（Ni83、Ni88）表面处理与残碱控制：在现有烧结产线上导入的表面包覆技术，"
    "降低残碱、抑制软包电池高温存储胀气和45℃循环衰减，避免水洗带来的容量损失。"
)
EMAIL = "e2e.expert@example.org"


def _db(instance: Path) -> sqlite3.Connection:
    return sqlite3.connect(instance / "matchmaker.sqlite")


def _wait_for(instance: Path, sql: str, args: tuple, seconds: float = 120) -> tuple:
    """The worker indexes and matches after the request: wait for its row."""
    deadline = time.monotonic() + seconds
    while True:
        with _db(instance) as conn:
            row = conn.execute(sql, args).fetchone()
        if row is not None or time.monotonic() > deadline:
            assert row is not None, f"nothing for {sql} {args}"
            return tuple(row)
        time.sleep(1)


def test_invite_confirm_propose_introduce_sign_and_a_service_team(
    browser, live_server, live_instance
) -> None:
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860}).new_page()
    staff.context.set_default_timeout(20_000)
    sign_in(staff, live_server, DEMO_LOGINS[Role.STAFF])

    # staff invite an expert
    staff.goto(f"{live_server}/experts/invite")
    staff.fill("#name", "端到端专家")
    staff.fill("#organisation_name", "测试大学")
    staff.select_option("#region", "江苏省")
    staff.check("input[name=fields][value=new_materials]")
    staff.check("input[name=fields][value=new_energy]")
    staff.fill("#directions", DIRECTIONS)
    staff.check("input[name=offers][value=consulting]")
    staff.check("input[name=offers][value=onsite]")
    staff.fill("#email", EMAIL)
    staff.click("[data-action=save]")
    assert "待专家确认" in staff.locator("[data-testid=expert-state]").inner_text()
    expert_id = int(re.search(r"/experts/(\d+)", staff.url).group(1))  # type: ignore[union-attr]
    (body,) = _wait_for(
        live_instance, "SELECT body FROM outbox WHERE recipient = ?", (EMAIL,), seconds=10
    )
    link = re.search(r"(/experts/confirm/\S+)", body).group(1)  # type: ignore[union-attr]

    # the expert opens the link without an account, chooses a password and confirms
    expert = browser.new_context(locale="zh-CN").new_page()
    expert.goto(live_server + link)
    assert "端到端专家" in expert.locator("[data-testid=invited-profile]").inner_text()
    expert.fill("#password", "expert2026x")
    expert.click("[data-action=confirm]")
    expert.wait_for_url("**/login**")
    expert.context.close()

    # the worker indexes the profile and proposes it for the need
    need_id, match_id = _wait_for(
        live_instance,
        "SELECT n.id, m.id FROM matches m JOIN needs n ON n.id = m.need_id "
        "WHERE m.expert_id = ? AND n.title = ?",
        (expert_id, NEED_TITLE),
    )
    staff.goto(f"{live_server}/needs/{need_id}")
    helping = staff.locator("[data-testid=helping-experts]")
    assert "端到端专家" in helping.inner_text()
    card = helping.locator(f"[data-expert='{expert_id}']")
    assert card.locator("[data-testid=strength]").inner_text() in ("强", "中")
    assert card.locator("[data-testid=reason] mark").count() >= 1  # shared terms: the reason
    screenshot(staff, "expert-need-page-zh")

    # the same review queue, filtered to experts; introduce and follow to a contract
    staff.goto(f"{live_server}/review/matches?kind=expert")
    staff.locator(f"tr[data-match='{match_id}'] td a").first.click()
    staff.wait_for_selector("[data-testid=expert-side]")
    screenshot(staff, "expert-review-card-zh")
    staff.click("form[data-target=approved] [data-action=approved]")
    staff.wait_for_selector(".flash-success")  # approving moves on to the next proposal
    staff.goto(f"{live_server}/review/matches/{match_id}")
    assert staff.locator("[data-testid=match-state]").inner_text() == "已通过"
    for target in ("introduced", "meeting", "negotiating"):
        staff.click(f"form[data-target={target}] [data-action={target}]")
        staff.wait_for_selector(".flash-success")
    signed = staff.locator("form[data-target=signed]")
    signed.locator("input[name=contract_value]").fill("45")
    signed.locator("[data-action=signed]").click()
    assert staff.locator("[data-testid=match-state]").inner_text() == "已签约"

    # a service team for the region: recommended, adjusted, a visit, the report
    staff.goto(f"{live_server}/experts/teams")
    staff.fill("#name", "江苏新材料专家服务团")
    staff.select_option("#region", "江苏省")
    staff.fill("#size", "3")
    staff.click("[data-action=create-team]")
    staff.click("[data-action=recommend-team]")
    members = staff.locator("[data-testid=members] tr[data-expert]")
    assert members.count() >= 1
    staff.select_option("[data-testid=add-member]", str(expert_id))
    staff.click("[data-action=add-member]")
    assert staff.locator(f"[data-testid=members] tr[data-expert='{expert_id}']").count() == 1
    staff.fill("#enterprises", "江苏某正极材料有限公司")
    staff.fill("#problems_solved", "2")
    staff.fill("#followup_needs", "1")
    staff.fill("#contracts", "1")
    staff.click("[data-action=record-visit]")
    assert "江苏某正极材料有限公司" in staff.locator("[data-testid=visits]").inner_text()
    screenshot(staff, "expert-team-zh")
    staff.goto(f"{live_server}/experts/teams/report")
    report = staff.locator("[data-testid=report-teams]").inner_text()
    assert "江苏新材料专家服务团" in report
    screenshot(staff, "expert-team-report-zh")
    staff.context.close()
