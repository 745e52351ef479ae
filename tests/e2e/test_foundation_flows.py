"""Main flows of the foundation in a real browser: browse, sign in per role, switch language,
register with a wrong credit code."""

from __future__ import annotations

import pytest

from matchmaker.demo.loader import DEMO_LOGINS, DEMO_PASSWORD
from matchmaker.models import Role
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/dashboard")


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    """Sign out is in the user menu, at the right of the header (behind the menu button on phones)."""
    page.click("details[data-menu=user] > summary")
    page.click("[data-action=sign-out]")


def switch_language(page, code: str) -> None:  # type: ignore[no-untyped-def]
    """Signed in, the language switch is in the user menu."""
    page.click("details[data-menu=user] > summary")
    page.click(f"a[data-lang={code}]")
    page.wait_for_load_state()


def test_visitor_sees_chinese_home_with_demo_listings(page, live_server) -> None:
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "让科技成果找到需要它的企业"
    assert int(page.locator("[data-stat=achievements]").inner_text()) >= 50
    assert page.locator(".listing-card").count() >= 6
    screenshot(page, "home-zh")
    page.click("text=全部成果")
    page.wait_for_url("**/achievements")
    assert "共" in page.locator("main").inner_text()


@pytest.mark.parametrize("role", list(Role))
def test_each_demo_role_signs_in(page, live_server, role) -> None:
    sign_in(page, live_server, DEMO_LOGINS[role])
    assert page.locator(".whoami").get_attribute("data-role") == role.value
    if role in (Role.STAFF, Role.ADMIN):
        assert int(page.locator("[data-stat=awaiting-achievements]").inner_text()) >= 1
    else:
        assert page.locator("table.table tbody tr").count() >= 1
    screenshot(page, f"dashboard-{role.value}")
    sign_out(page)
    page.wait_for_url(live_server + "/")
    assert page.locator(".usernav a[href='/login']").count() == 1
    assert page.locator(".whoami").count() == 0


def test_language_switch_to_english_and_back(page, live_server) -> None:
    sign_in(page, live_server, DEMO_LOGINS[Role.STAFF])
    switch_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "My workspace" in page.locator("nav.mainnav").inner_text()
    screenshot(page, "dashboard-staff-en")
    page.goto(live_server + "/achievements")
    assert "Research achievements" in page.locator("h1").inner_text()
    switch_language(page, "zh")
    assert "科技成果" in page.locator("h1").inner_text()


def test_registration_shows_credit_code_error_then_succeeds(page, live_server) -> None:
    page.goto(live_server + "/register")
    page.select_option("select[name=role]", "enterprise")
    page.fill("input[name=name]", "周明")
    page.fill("input[name=email]", "zhou.ming@e2e.example.com")
    page.fill("input[name=password]", "goodpass1")
    page.fill("input[name=password_confirm]", "goodpass1")
    page.fill("input[name=organisation_name]", "端到端测试科技有限公司")
    page.select_option("select[name=organisation_kind]", "enterprise")
    page.fill("input[name=credit_code]", "91350100M000100Y44")
    page.click("form button[type=submit]")
    assert "信用代码校验位不正确" in page.locator(".error").first.inner_text()
    screenshot(page, "register-error-zh")
    page.fill("input[name=password]", "goodpass1")
    page.fill("input[name=password_confirm]", "goodpass1")
    page.fill("input[name=credit_code]", "9144030071526726XG")
    page.click("form button[type=submit]")
    page.wait_for_url("**/dashboard")
    assert page.locator(".whoami").get_attribute("data-role") == "enterprise"


def test_stopping_the_site_stops_its_worker(tmp_path) -> None:
    """`matchmaker run` owns its worker: SIGTERM to the site leaves no worker behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "MATCHMAKER_INSTANCE_DIR": str(tmp_path), "MATCHMAKER_LOAD_DEMO_DATA": "0"}
    site = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "run", "--port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def workers() -> list[str]:
        out = subprocess.run(
            ["pgrep", "-f", "--", f"--schedule={tmp_path}"], capture_output=True, text=True
        )
        return out.stdout.split()

    deadline = time.monotonic() + 60
    while not workers() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert workers(), "the site started no worker"
    site.send_signal(signal.SIGTERM)
    site.wait(timeout=40)
    deadline = time.monotonic() + 30
    while workers() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert workers() == []
