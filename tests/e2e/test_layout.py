"""The layout from 360 px phones to 1920 px screens, in Chinese and English, for every role:
no page scrolls sideways, every menu item can be reached (directly, or after the menu button)
and sits on one line, and no table squeezes a name to one character a line."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from matchmaker.demo.loader import DEMO_LOGINS
from matchmaker.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_foundation_flows import sign_in
from tests.e2e.test_roadshow_flows import (
    _event_day_arrives,
    _presenter_email,
    fill_roadshow_form,
)

pytestmark = pytest.mark.e2e

WIDTHS = (390, 768, 1366, 1920)
PHONE = 390
# below this width the navigation folds behind the menu button (app.css)
COLLAPSED_BELOW = 1100
TOP_LEVEL = (
    "header .mainnav > a, header .mainnav > details > summary, header .usernav > a,"
    " header .usernav > details > summary, header .usernav > .lang-switch > *"
)

# JavaScript run in the page: where an element's text wraps, its box is taller than one line
ONE_LINE = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const box = range.getBoundingClientRect();
  const size = parseFloat(getComputedStyle(el).fontSize);
  return {text: el.innerText.trim(), height: box.height, width: box.width, size: size,
          left: box.left, right: box.right, visible: el.checkVisibility()};
}"""
SQUEEZED_CELLS = """() => Array.from(document.querySelectorAll('main table td')).filter(td => {
  const text = td.innerText.trim();
  if (text.length < 3 || !td.checkVisibility()) return false;
  const range = document.createRange();
  range.selectNodeContents(td);
  const box = range.getBoundingClientRect();
  const size = parseFloat(getComputedStyle(td).fontSize);
  // wrapped onto several lines, each at most two characters wide
  return box.height > 2 * size && box.width < 2.5 * size;
}).map(td => td.innerText.trim())"""

# lists people act on from a phone are cards there (.table.stack): one that still scrolls
# sideways inside its box hides its buttons off screen (the review queue did, 8 columns wide)
SIDEWAYS_STACKED_TABLES = """() => Array.from(document.querySelectorAll('main table.stack'))
  .filter(table => {
    const box = table.closest('.table-scroll') || table;
    return box.scrollWidth > box.clientWidth + 1;
  }).map(table => table.dataset.testid || table.className)"""

# and no button or form field of any table waits off screen until one scrolls sideways to it
ACTIONS_OUT_OF_REACH = """() => Array.from(document.querySelectorAll(
  'main .table-scroll :is(button, input:not([type=hidden]), select, textarea)'))
  .filter(control => {
    if (!control.checkVisibility()) return false;
    const box = control.closest('.table-scroll').getBoundingClientRect();
    return control.getBoundingClientRect().right > box.right + 1;
  }).map(control => control.innerText.trim() || control.name || control.type)"""

# labels and buttons are short: a wrapped one reads as two words ("已引/荐")
WRAPPED_LABELS = """() => Array.from(document.querySelectorAll(
    'main .tag, main .state, main .badge, main .button, main .strength')).filter(el => {
  if (!el.checkVisibility() || !el.innerText.trim()) return false;
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(el).fontSize);
}).map(el => el.innerText.trim())"""


@dataclass
class Roadshow:
    """The one event the demo lacks: published, the enterprise registered, one meeting on its
    agenda, the event day come (so the follow-up form is open)."""

    event: str
    ticket: str
    followup: str
    extra: dict[Role, list[str]] = field(default_factory=dict)


def _match_of_demo_logins(instance: Path) -> int | None:
    """A proposed match between the demo researcher's achievement or the demo enterprise's
    need and anything (so 我的对接 has a card once staff approve it)."""
    with sqlite3.connect(instance / "matchmaker.sqlite") as conn:
        row = conn.execute(
            "SELECT m.id FROM matches m JOIN achievements a ON a.id = m.achievement_id"
            " JOIN needs n ON n.id = m.need_id JOIN users ua ON ua.id = a.owner_id"
            " JOIN users un ON un.id = n.owner_id WHERE lower(m.state) = 'proposed'"
            " AND (ua.email = ? OR un.email = ?) ORDER BY m.id LIMIT 1",
            (DEMO_LOGINS[Role.RESEARCHER], DEMO_LOGINS[Role.ENTERPRISE]),
        ).fetchone()
    return int(row[0]) if row else None


def _new_tab(browser, live_server: str, email: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    sign_in(tab, live_server, email)
    return tab


@pytest.fixture(scope="module")
def roadshow(browser, live_server, live_instance) -> Iterator[Roadshow]:  # type: ignore[no-untyped-def]
    staff = _new_tab(browser, live_server, DEMO_LOGINS[Role.STAFF])
    match = _match_of_demo_logins(live_instance)
    if match is not None:  # approved and introduced: the card shows the other side's contact
        for target in ("approved", "introduced"):
            staff.goto(f"{live_server}/review/matches/{match}")
            form = staff.locator(f"form[data-target={target}]")
            if form.count():
                form.locator(f"[data-action={target}]").click()
                staff.wait_for_load_state()
    staff.goto(live_server + "/roadshows/new")
    number = fill_roadshow_form(staff, "版式检查路演：新能源与智能制造成果专场", "2030-07-01")
    event = f"/roadshows/{number}"
    staff.click("[data-action=recommend]")
    staff.click("[data-action=publish]")

    enterprise = _new_tab(browser, live_server, DEMO_LOGINS[Role.ENTERPRISE])
    enterprise.goto(live_server + event)
    enterprise.click("[data-action=register]")
    enterprise.locator("[data-testid=checkin-code]").wait_for()
    ticket = enterprise.url.removeprefix(live_server)
    enterprise.goto(f"{live_server}{event}/meetings")
    enterprise.locator("[data-action=request-meeting]").first.click()
    presenter = _new_tab(browser, live_server, _presenter_email(live_instance, number))
    presenter.goto(f"{live_server}{event}/meetings")
    presenter.locator("[data-testid=incoming] [data-action=accept]").first.click()
    staff.goto(f"{live_server}{event}/schedule")
    staff.click("[data-action=generate]")
    staff.click("[data-action=publish-schedule]")
    _event_day_arrives(live_instance, number)
    enterprise.goto(f"{live_server}{event}/agenda")
    followup = enterprise.locator("[data-action=followup]").first.get_attribute("href")
    assert followup, "the agenda links the follow-up form on the event day"
    for tab in (staff, enterprise, presenter):
        tab.context.close()
    staff_pages = [f"{event}/{tab}" for tab in ("lineup", "registrations", "schedule", "report")]
    extra = {Role.STAFF: staff_pages, Role.ADMIN: []}
    for role in (Role.RESEARCHER, Role.ENTERPRISE, Role.STAFF):
        thread = _thread_of(live_instance, role)
        extra.setdefault(role, []).extend(["/threads/", *([thread] if thread else [])])
    yield Roadshow(event=event, ticket=ticket, followup=followup, extra=extra)


def _thread_of(instance: Path, role: Role) -> str | None:
    """The conversation of the match introduced above, if this demo login may read it (staff
    read every one)."""
    email = DEMO_LOGINS[role]
    with sqlite3.connect(instance / "matchmaker.sqlite") as conn:
        row = conn.execute(
            "SELECT c.id FROM conversations c JOIN matches m ON m.id = c.subject_id"
            " JOIN needs n ON n.id = m.need_id JOIN users un ON un.id = n.owner_id"
            " JOIN achievements a ON a.id = m.achievement_id JOIN users ua ON ua.id = a.owner_id"
            " WHERE c.subject_kind = 'match' AND (? OR un.email = ? OR ua.email = ?)"
            " ORDER BY c.id LIMIT 1",
            (role == Role.STAFF, email, email),
        ).fetchone()
    return f"/threads/{row[0]}" if row else None


def _pages(role: Role | None, show: Roadshow) -> list[str]:
    pages = ["/", "/achievements", "/needs", "/search?q=锂电池", "/roadshows", show.event]
    pages += ["/experts", "/experts/1"]  # the demo's first expert profile is public
    if role is None:
        return pages
    pages += ["/dashboard", "/notifications", "/saved-searches", "/my/api-tokens"]
    if role in (Role.RESEARCHER, Role.ENTERPRISE):
        pages += ["/my/submissions", "/my/matches", f"{show.event}/meetings"]
        pages += ["/interest/mine", "/interest/incoming"]
        pages += show.extra.get(role, [])
    if role is Role.ENTERPRISE:
        pages += [show.ticket, f"{show.event}/agenda", show.followup]
    if role in (Role.STAFF, Role.ADMIN):
        pages += ["/review/matches", "/review/dashboard", "/my/review", "/staff/duplicates"]
        pages += ["/interest/all"]
        pages += ["/experts/invite", "/experts/1/edit", "/experts/import"]
        pages += ["/experts/teams", "/experts/teams/report"]
        pages += show.extra[Role.STAFF]
    if role is Role.ADMIN:
        pages += ["/admin/users", "/admin/audit", "/interest/agreement-texts", "/admin/model"]
    return pages


def _check_one_line(page, selector: str, where: str) -> int:  # type: ignore[no-untyped-def]
    width = page.evaluate("window.innerWidth")
    items = page.locator(selector)
    for index in range(items.count()):
        box = items.nth(index).evaluate(ONE_LINE)
        label = f"{where}: menu item {box['text']!r}"
        assert box["visible"], f"{label} is not visible"
        assert box["height"] < 2 * box["size"], f"{label} wraps ({box['height']:.0f} px high)"
        assert box["left"] >= 0 and box["right"] <= width + 0.5, f"{label} lies off-screen"
    return items.count()


def _check_header(page, width: int, where: str, shot: str) -> None:  # type: ignore[no-untyped-def]
    button = page.locator("[data-testid=menu-button]")
    if width < COLLAPSED_BELOW:
        assert button.is_visible(), f"{where}: the menu button is shown on narrow screens"
        assert not page.locator("header .mainnav").is_visible(), f"{where}: nav folded away"
        button.click()
    else:
        assert not button.is_visible(), f"{where}: no menu button on wide screens"
        header = page.locator("header.topbar").bounding_box()
        assert header is not None and header["height"] < 80, f"{where}: the header is one row"
    assert _check_one_line(page, TOP_LEVEL, where) >= 5
    dropdowns = page.locator("header details.dropdown")
    for index in range(dropdowns.count()):
        menu = dropdowns.nth(index)
        menu.locator("summary").click()
        links = f"header details.dropdown >> nth={index} >> .dropdown-panel > a"
        assert _check_one_line(page, links, where) >= 1
        if width in (PHONE, 1366):  # the menus open, as a person sees them
            screenshot(page, f"{shot}-menu-{menu.get_attribute('data-menu')}")
        menu.locator("summary").click()
    if width < COLLAPSED_BELOW:
        button.click()


def _check_page(page, base: str, path: str, width: int, tag: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + path)
    where = f"{tag} {path}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{where}: the page scrolls sideways by {overflow} px"
    squeezed = page.evaluate(SQUEEZED_CELLS)
    assert not squeezed, f"{where}: table cells wrap one character a line: {squeezed[:3]}"
    wrapped = page.evaluate(WRAPPED_LABELS)
    assert not wrapped, f"{where}: labels or buttons wrap: {wrapped[:3]}"
    if width == PHONE:
        sideways = page.evaluate(SIDEWAYS_STACKED_TABLES)
        assert not sideways, f"{where}: a list scrolls sideways on a phone: {sideways}"
        hidden = page.evaluate(ACTIONS_OUT_OF_REACH)
        assert not hidden, (
            f"{where}: buttons or fields only reached by scrolling sideways: {hidden}"
        )


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_layout_fits_every_width(browser, live_server, roadshow, locale) -> None:  # type: ignore[no-untyped-def]
    roles: list[Role | None] = [None, *Role]
    for role in roles:
        name = role.value if role else "anonymous"
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            if role is not None:
                sign_in(page, live_server, DEMO_LOGINS[role])
            page.goto(f"{live_server}/lang/{locale}?next=/")
            assert page.locator("html").get_attribute("lang").startswith(locale)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 860})
                for number, path in enumerate(_pages(role, roadshow)):
                    tag = f"{locale} {name} {width}px"
                    _check_page(page, live_server, path, width, tag)
                    if number == 0 or path == "/dashboard":
                        shot = f"layout-{locale}-{name}-{width}-{_slug(path)}"
                        _check_header(page, width, f"{tag} {path}", shot)
                    if width == PHONE or path == "/dashboard":
                        screenshot(page, f"layout-{locale}-{name}-{width}-{_slug(path)}")
        finally:
            if role is not None and locale != "zh":
                page.goto(f"{live_server}/lang/zh?next=/")  # the choice is stored per user
            context.close()
