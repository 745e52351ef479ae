"""A researcher types an achievement, staff publish it, and a visitor finds it by meaning;
an enterprise submits a need and sees it in its workspace."""

from __future__ import annotations

import time

import pytest

from matchmaker.demo.loader import DEMO_LOGINS
from matchmaker.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_foundation_flows import sign_in

pytestmark = pytest.mark.e2e

TITLE = "锂电池组过充保护与主动均衡管理芯片"


def test_achievement_typed_in_the_browser_is_found_by_meaning(page, live_server) -> None:
    sign_in(page, live_server, DEMO_LOGINS[Role.RESEARCHER])
    page.click("[data-action=new]")
    page.fill("input[name=title]", TITLE)
    page.fill("input[name=summary]", "防止储能和电动车电池充电过头、鼓包起火的电池管理芯片。")
    page.fill(
        "textarea[name=description]",
        "针对锂电池组充电末期单体电压过高导致鼓包、热失控的问题，研制过压检测与主动均衡芯片，"
        "单体电压偏差控制在 10 mV 以内，已在两轮电动车电池包小批量应用。",
    )
    page.fill("input[name=keywords]", "电池管理, 过充保护, 均衡")
    page.select_option("select[name=field]", "new_energy")
    page.select_option("select[name=trl]", "7")
    page.check("input[value=license]")
    page.click("[data-action=save]")
    page.wait_for_selector("[data-testid=state]")
    assert page.locator("[data-testid=state]").inner_text() == "草稿"
    page.click("[data-action=submit]")
    assert page.locator("[data-testid=state]").inner_text() == "审核中"
    screenshot(page, "achievement-submitted-zh")
    page.click("text=退出")

    sign_in(page, live_server, DEMO_LOGINS[Role.STAFF])
    page.click("text=审核提交内容")
    row = page.locator("tr", has_text=TITLE)
    row.locator("[data-action=publish]").click()
    assert page.locator(".flash-success").inner_text() == "已发布。"
    page.click("text=退出")

    # a visitor describes the problem in business words, not the title's terms
    query = "电动车电池充电时常被充得过满，会鼓包甚至起火，想找解决办法"
    deadline = time.monotonic() + 120
    found = False
    while time.monotonic() < deadline:
        page.goto(f"{live_server}/search?kind=achievement&q={query}")
        titles = page.locator(".result h3").all_inner_texts()
        if TITLE in titles[:3]:
            found = True
            break
        time.sleep(2)
    screenshot(page, "search-by-meaning-zh")
    assert found, f"not found in the top 3: {titles[:5]}"


def test_enterprise_submits_a_need_and_sees_it(page, live_server) -> None:
    sign_in(page, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    page.click("[data-action=new]")
    page.fill("input[name=title]", "注塑件表面缩痕自动检测")
    page.fill(
        "textarea[name=description]",
        "我司为家电企业生产注塑外壳，表面缩痕靠人工目检，漏检率高，每月客诉十余次。",
    )
    page.fill("textarea[name=desired_outcome]", "检出率 99% 以上，节拍不低于每件 3 秒。")
    page.select_option("select[name=field]", "smart_manufacturing")
    page.fill("input[name=budget_min]", "20")
    page.fill("input[name=budget_max]", "10")
    page.click("[data-action=save]")
    assert "上限不能低于下限" in page.locator(".error").first.inner_text()
    page.fill("input[name=budget_max]", "60")
    page.click("[data-action=save]")
    page.click("[data-action=submit]")
    assert page.locator("[data-testid=state]").inner_text() == "审核中"
    page.goto(live_server + "/dashboard")
    row = page.locator("tr", has_text="注塑件表面缩痕自动检测")
    assert "审核中" in row.inner_text()
    screenshot(page, "my-submissions-zh")
