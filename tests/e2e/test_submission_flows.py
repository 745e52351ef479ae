"""A researcher types an achievement, staff publish it, and a visitor finds it by meaning;
an enterprise submits a need and sees it in its workspace."""

from __future__ import annotations

import time

import pytest

from matchmaker.demo.loader import DEMO_LOGINS
from matchmaker.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_foundation_flows import sign_in, sign_out

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
    sign_out(page)

    sign_in(page, live_server, DEMO_LOGINS[Role.STAFF])
    page.click("main >> text=审核提交内容")
    row = page.locator("tr", has_text=TITLE)
    row.locator("[data-action=publish]").click()
    assert page.locator(".flash-success").inner_text() == "已发布。"
    sign_out(page)

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


def test_researcher_starts_from_a_docx_and_submits(page, live_server) -> None:
    from tests.documents import make_docx

    sign_in(page, live_server, DEMO_LOGINS[Role.RESEARCHER])
    page.click("[data-action=new]")
    document = make_docx(
        [
            "海水淡化反渗透膜抗污染涂层",
            "在反渗透膜表面接枝两性离子聚合物，膜污染速率降低 60%，清洗周期由 2 周延长到 6 周，已在 1000 吨/日示范线运行一年。",
        ]
    )
    page.set_input_files(
        "input[name=document]",
        files=[
            {
                "name": "抗污染涂层.docx",
                "buffer": document,
                "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            }
        ],
    )
    page.click("[data-action=import-file]")
    assert page.locator("input[name=title]").input_value() == "海水淡化反渗透膜抗污染涂层"
    assert "膜污染速率降低 60%" in page.locator("textarea[name=description]").input_value()
    page.fill("input[name=summary]", "让反渗透膜少结垢、少清洗的表面涂层。")
    page.select_option("select[name=field]", "energy_saving")
    page.click("[data-action=save]")
    page.click("[data-action=submit]")
    assert page.locator("[data-testid=state]").inner_text() == "审核中"
    screenshot(page, "achievement-from-docx-zh")


def test_researcher_bulk_imports_excel_and_sees_the_bad_row(page, live_server) -> None:
    from tests.unit.test_import_tables import xlsx

    data = xlsx(
        [
            ["成果名称", "成果介绍", "技术领域", "成熟度(1-9)", "合作方式"],
            ["果蔬采后保鲜涂膜", "可食性涂膜使草莓货架期延长 5 天", "现代农业", 7, "技术转让"],
            ["", "缺少名称的一行", "新材料", 5, "许可使用"],
            ["畜禽粪污快速堆肥菌剂", "堆肥周期由 30 天缩短到 12 天", "节能环保", 8, "许可使用"],
        ]
    )
    sign_in(page, live_server, DEMO_LOGINS[Role.RESEARCHER])
    page.click("[data-action=import]")
    page.set_input_files(
        "input[name=table]",
        files=[
            {
                "name": "成果清单.xlsx",
                "buffer": data,
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ],
    )
    page.click("[data-action=preview]")
    assert "2 行可以导入，1 行有问题" in page.locator("[data-testid=import-summary]").inner_text()
    assert (
        "成果名称：必填但为空"
        in page.locator("[data-testid=row-errors] tr[data-row='3']").inner_text()
    )
    screenshot(page, "bulk-import-preview-zh")
    page.click("[data-action=confirm]")
    page.wait_for_selector(".job[data-state=succeeded]", timeout=120_000)
    assert page.locator(".job-count").inner_text() == "2 / 2"
    page.goto(live_server + "/dashboard")
    assert page.locator("tr", has_text="畜禽粪污快速堆肥菌剂").count() == 1


def test_a_need_nothing_fits_shows_no_good_match_yet(page, live_server) -> None:
    """A published need whose best candidate is below the proposal floor gets no proposal, and
    its owner is told so plainly, with what would help."""
    title = "宠物猫砂结团速度与粉尘控制"
    sign_in(page, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    page.click("[data-action=new]")
    page.fill("input[name=title]", title)
    page.fill(
        "textarea[name=description]",
        "我司生产膨润土猫砂，希望结团更快、倒砂时粉尘更少，同时不增加成本，适合家庭使用。",
    )
    page.select_option("select[name=field]", "modern_agriculture")
    page.click("[data-action=save]")
    page.click("[data-action=submit]")
    edit_url = page.url
    sign_out(page)

    sign_in(page, live_server, DEMO_LOGINS[Role.STAFF])
    page.click("main >> text=审核提交内容")
    page.locator("tr", has_text=title).locator("[data-action=publish]").click()
    assert page.locator(".flash-success").inner_text() == "已发布。"
    sign_out(page)

    sign_in(page, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    deadline = time.monotonic() + 90
    while True:  # the worker indexes and matches the need in the background
        page.goto(edit_url)
        notice = page.locator("[data-testid=no-good-match]")
        if notice.count() == 1 or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert notice.count() == 1
    assert "暂无合适匹配" in notice.inner_text()
    screenshot(page, "need-no-good-match-zh")
