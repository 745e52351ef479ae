"""The staff review pages over HTTP: who may reach them, decisions, conflicts, bulk, export."""

import io

import pytest
from openpyxl import load_workbook

from matchmaker.models import Match, MatchState, Role
from tests import factories
from tests.unit.test_submissions_web import login


@pytest.fixture
def world(app):
    from web import db

    with app.app_context():
        s = db.session()
        staff = factories.user(s, Role.STAFF, email="staff@example.com", name="王芳")
        other_staff = factories.user(s, Role.STAFF, email="staff2@example.com", name="李雷")
        admin = factories.user(s, Role.ADMIN, email="admin@example.com")
        need = factories.need(s, region="江苏省", title='=HYPERLINK("http://x")功率模块散热')
        first = factories.match(s, need, score=0.9)
        second = factories.match(s, need, score=0.2)
        s.commit()
        return {
            "staff": staff.email,
            "other_staff": other_staff.email,
            "staff2_id": other_staff.id,
            "admin": admin.email,
            "researcher": first.achievement.owner.email,
            "enterprise": need.owner.email,
            "first": first.id,
            "second": second.id,
        }


def state_of(app, match_id):
    from web import db

    with app.app_context():
        s = db.session()
        return s.get(Match, match_id).state


ROUTES = [
    ("get", "/review/matches", None),
    ("get", "/review/dashboard", None),
    ("get", "/review/matches/export.xlsx", None),
    ("get", "/review/matches/{first}", None),
    ("post", "/review/matches/{first}/decide", {"target": "approved", "version": "1"}),
    ("post", "/review/matches/{first}/assign", {"assignee_id": "", "version": "1"}),
    ("post", "/review/matches/{first}/note", {"note": "x"}),
    ("post", "/review/matches/bulk", {"action": "approve", "ids": "{first}"}),
]


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("researcher", 403), ("enterprise", 403), ("staff", 200), ("admin", 200)],
)
def test_only_staff_and_admins_reach_the_review_pages(
    client, app, world, method, path, data, who, expected
) -> None:
    if who:
        login(client, world[who])
    url = path.format(**world)
    form = {k: v.format(**world) for k, v in (data or {}).items()}
    response = getattr(client, method)(url, data=form) if method == "post" else client.get(url)
    if method == "post" and expected == 200:
        assert response.status_code == 302 and "/login" not in response.location
    elif expected == 302:
        assert response.status_code == 302 and "/login" in response.location
    else:
        assert response.status_code == expected
    if who in (None, "researcher", "enterprise"):
        assert state_of(app, world["first"]) == MatchState.PROPOSED


def test_queue_and_card_show_the_pair_with_terms_and_checks_in_chinese(client, world) -> None:
    login(client, world["staff"])
    page = client.get("/review/matches").get_data(as_text=True)
    assert page.index(f'data-match="{world["first"]}"') < page.index(
        f'data-match="{world["second"]}"'
    )
    card = client.get(f"/review/matches/{world['first']}").get_data(as_text=True)
    assert "<mark>基板</mark>" in card and "领域: 符合" in card
    assert 'data-target="approved"' in card and 'data-target="rejected"' in card


def test_card_in_english(client, world) -> None:
    login(client, world["staff"])
    client.get("/lang/en")
    card = client.get(f"/review/matches/{world['first']}").get_data(as_text=True)
    assert "Why they match" in card and "Field: passed" in card


def test_decisions_through_the_card_and_a_stale_form_gets_a_conflict(client, app, world) -> None:
    login(client, world["staff"])
    first = world["first"]
    page = client.post(
        f"/review/matches/{first}/decide",
        data={"target": "approved", "version": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已保存" in page and state_of(app, first) == MatchState.APPROVED
    # a colleague's form still carries version 1
    login(client, world["other_staff"])
    page = client.post(
        f"/review/matches/{first}/decide",
        data={"target": "introduced", "version": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "其他人刚刚修改了这个对接" in page
    assert state_of(app, first) == MatchState.APPROVED


def test_rejecting_without_a_reason_is_refused_with_a_message(client, app, world) -> None:
    login(client, world["staff"])
    page = client.post(
        f"/review/matches/{world['second']}/decide",
        data={"target": "rejected", "version": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "请选择原因" in page and state_of(app, world["second"]) == MatchState.PROPOSED
    page = client.post(
        f"/review/matches/{world['second']}/decide",
        data={"target": "rejected", "version": "1", "reason": "field_mismatch"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert state_of(app, world["second"]) == MatchState.REJECTED
    assert "领域不符" in page


def test_bulk_approve_reports_what_it_could_not_change(client, app, world) -> None:
    login(client, world["staff"])
    page = client.post(
        "/review/matches/bulk",
        data={
            "action": "approve",
            "ids": [world["first"], world["second"]],
            f"version-{world['first']}": "1",
            f"version-{world['second']}": "7",  # stale
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert state_of(app, world["first"]) == MatchState.APPROVED
    assert state_of(app, world["second"]) == MatchState.PROPOSED
    assert "1 个对接已更新" in page and "1 个对接未修改" in page


def test_bulk_assign(client, app, world) -> None:
    from web import db

    login(client, world["staff"])
    client.post(
        "/review/matches/bulk",
        data={
            "action": "assign",
            "assignee_id": world["staff2_id"],
            "ids": [world["first"]],
            f"version-{world['first']}": "1",
        },
    )
    with app.app_context():
        assert db.session().get(Match, world["first"]).assignee_id == world["staff2_id"]


def test_export_honours_filters_and_neutralises_formulas(client, world) -> None:
    login(client, world["staff"])
    response = client.get("/review/matches/export.xlsx?band=high")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert len(rows) == 2 and rows[1][0] == world["first"]
    assert rows[1][3].startswith("'=HYPERLINK")


def test_dashboard_shows_the_funnel(client, world) -> None:
    login(client, world["staff"])
    client.post(
        f"/review/matches/{world['first']}/decide", data={"target": "approved", "version": "1"}
    )
    page = client.get("/review/dashboard").get_data(as_text=True)
    assert 'data-testid="funnel"' in page
    assert '<td data-stage="proposed">2</td>' in page and '<td data-stage="approved">1</td>' in page


def test_parties_see_contacts_once_introduced(client, app, world) -> None:
    login(client, world["staff"])
    for target, version in (("approved", "1"), ("introduced", "2")):
        client.post(
            f"/review/matches/{world['first']}/decide",
            data={"target": target, "version": version},
        )
    assert state_of(app, world["first"]) == MatchState.INTRODUCED
    login(client, world["enterprise"])
    page = client.get("/my/matches").get_data(as_text=True)
    assert world["researcher"] in page


@pytest.mark.parametrize("second_target", ["approved", "rejected"])
def test_losing_a_race_on_the_same_decision_says_someone_else_changed_it(
    client, app, world, second_target
) -> None:
    first = world["first"]
    login(client, world["staff"])
    client.post(f"/review/matches/{first}/decide", data={"target": "approved", "version": "1"})
    # the colleague loaded the card while it was still proposed (version 1)
    login(client, world["other_staff"])
    page = client.post(
        f"/review/matches/{first}/decide",
        data={"target": second_target, "version": "1", "reason": "field_mismatch"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "其他人刚刚修改了这个对接" in page
    assert "当前状态下不能进行此操作" not in page
    assert state_of(app, first) == MatchState.APPROVED


def test_two_known_different_provinces_show_as_different_not_unknown(client, app) -> None:
    """Explanations stored before the region check could say "different" hold "unknown" for
    内蒙古 vs 江苏; the card, the queue and the parties' page show the region as it is now."""
    from web import db

    with app.app_context():
        s = db.session()
        factories.user(s, Role.STAFF, email="staff@example.com")
        need = factories.need(s, region="江苏省")
        achievement = factories.achievement(s, region="内蒙古自治区")
        stored = {
            "checks": [
                {"name": "field", "result": "passed"},
                {"name": "region", "result": "unknown"},
            ]
        }
        match = factories.match(s, need, achievement, explanation=stored, state=MatchState.APPROVED)
        enterprise, match_id = need.owner.email, match.id
        s.commit()
    login(client, "staff@example.com")
    card = client.get(f"/review/matches/{match_id}").get_data(as_text=True)
    assert "所在地区: 不同" in card and "所在地区: 未知" not in card
    queue = client.get("/review/matches?state=approved").get_data(as_text=True)
    assert 'class="check-different" title="不同">所在地区<' in queue
    client.get("/lang/en")
    card = client.get(f"/review/matches/{match_id}").get_data(as_text=True)
    assert "Region: different" in card and "Region: unknown" not in card
    login(client, enterprise)
    mine = client.get("/my/matches").get_data(as_text=True)
    assert "Region: different" in mine or "所在地区: 不同" in mine


def test_dashboard_funnel_stages_say_they_are_cumulative(client, world) -> None:
    """The funnel counts every match that ever reached a stage: 110 labelled 待审核 next to a
    "to decide" tile of 105 read as a contradiction."""
    login(client, world["staff"])
    client.post(
        f"/review/matches/{world['first']}/decide", data={"target": "approved", "version": "1"}
    )
    page = client.get("/review/dashboard").get_data(as_text=True)
    funnel = page[page.index('data-testid="funnel-table"') :]
    funnel = funnel[: funnel.index("</table>")]
    assert "<th>累计进入审核</th>" in funnel and "<th>累计通过</th>" in funnel
    assert "待审核" not in funnel and "已通过" not in funnel
    groups = page[page.index('data-testid="funnel-groups"') :]
    assert "<th>累计进入审核</th>" in groups[: groups.index("</thead>")]
    client.get("/lang/en")
    page = client.get("/review/dashboard").get_data(as_text=True)
    assert "<th>Ever entered review</th>" in page and "<th>Ever approved</th>" in page
