"""The audit log written for people: names, translated actions, what changed, filters."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from matchmaker.core import audit
from matchmaker.models import ListingState, Role
from matchmaker.roadshows import events as roadshow_events
from tests import factories

ROOT = Path(__file__).resolve().parents[2]

# what the f-string parts of action keys stand for: a listing kind or a listing state
_PLACEHOLDERS = {
    "listing.kind": ("achievement", "need"),
    "kind": ("achievement", "need"),
    "target.value": tuple(state.value for state in ListingState),
}


def _expand(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    assert isinstance(node, ast.JoinedStr), f"action is not a literal: {ast.unparse(node)}"
    keys = [""]
    for part in node.values:
        if isinstance(part, ast.Constant):
            keys = [k + str(part.value) for k in keys]
        else:
            expr = ast.unparse(part.value)  # type: ignore[attr-defined]
            assert expr in _PLACEHOLDERS, f"unknown part of an action key: {expr}"
            keys = [k + v for k in keys for v in _PLACEHOLDERS[expr]]
    return keys


def actions_in_code() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.glob("matchmaker/**/*.py"), *ROOT.glob("web/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and ast.unparse(node.func.value) == "audit"
            ):
                action = node.args[2] if len(node.args) > 2 else None
                action = action or next(k.value for k in node.keywords if k.arg == "action")
                found.update(_expand(action))
    return found


def test_every_audit_action_in_the_code_has_a_label() -> None:
    from web.admin.audit_labels import ACTION_LABELS

    used = actions_in_code()
    assert {"roadshow.followup", "achievement.published", "need.merged"} <= used
    assert sorted(used - set(ACTION_LABELS)) == []


def test_roadshow_edit_records_which_fields_changed(session) -> None:
    staff = factories.user(session, Role.STAFF)
    roadshow = factories.roadshow(session, staff, title="旧标题", capacity=40)
    form = roadshow_events.RoadshowForm(
        title="新标题",
        starts_at=datetime(2030, 5, 10, 9, 0),
        ends_at=datetime(2030, 5, 10, 12, 0),
        capacity=60,
        presentation_slots=roadshow.presentation_slots,
        theme_fields=tuple(roadshow.theme_fields),
    )
    roadshow_events.update(session, staff, roadshow, form)
    session.flush()
    entry = audit.latest(session, 1)[0]
    assert entry.action == "roadshow.updated"
    changed = entry.data["changes"]
    assert changed["title"] == ["旧标题", "新标题"]
    assert changed["capacity"] == [40, 60]
    assert "presentation_slots" not in changed  # unchanged fields are left out
    assert changed["starts_at"][1] == "2030-05-10T01:00:00+00:00"  # Shanghai 09:00 in UTC


def test_changes_read_as_before_and_after_per_field() -> None:
    rows = audit.changes({"changes": {"capacity": [40, 60]}, "from": "proposed", "to": "approved"})
    assert ("capacity", 40, 60) in rows
    assert ("state", "proposed", "approved") in rows
    assert audit.changes({"intent": "contract"}) == [("intent", None, "contract")]
    assert audit.changes({"from": None, "to": 5}, "match.assigned") == [("assignee", None, 5)]


@pytest.fixture
def log(session):
    admin = factories.user(session, Role.ADMIN, name="王管理")
    staff = factories.user(session, Role.STAFF, name="李工作")
    now = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    for day in range(30):
        entry = audit.record(session, staff, "roadshow.followup", "meeting", day, intent="合同")
        entry.created_at = now - timedelta(days=day)
    audit.record(session, admin, "user.created", "user", staff.id).created_at = now
    session.flush()
    return {"admin": admin, "staff": staff, "now": now}


def test_audit_search_filters_by_actor_action_object_and_dates(session, log) -> None:
    by_admin = audit.search(session, audit.AuditQuery(actor_id=log["admin"].id))
    assert [e.action for e in by_admin.entries] == ["user.created"]
    followups = audit.search(session, audit.AuditQuery(action="roadshow.followup"))
    assert followups.total == 30
    one = audit.search(session, audit.AuditQuery(entity_type="meeting", entity_id=3))
    assert [e.entity_id for e in one.entries] == [3]
    recent = audit.search(
        session,
        audit.AuditQuery(
            action="roadshow.followup",
            since=(log["now"] - timedelta(days=2)).date(),
            until=log["now"].date(),
        ),
    )
    assert sorted(e.entity_id for e in recent.entries) == [0, 1, 2]


def test_audit_search_pages(session, log) -> None:
    first = audit.search(session, audit.AuditQuery(per_page=20))
    second = audit.search(session, audit.AuditQuery(per_page=20, page=2))
    assert first.total == 31 and first.pages == 2
    assert len(first.entries) == 20 and len(second.entries) == 11
    assert not {e.id for e in first.entries} & {e.id for e in second.entries}


def _admin_page(client, log, query: str = "", lang: str = "zh") -> str:
    from tests.unit.test_web_auth import login

    login(client, log["email"])
    return client.get(f"/admin/audit?lang={lang}{query}").get_data(as_text=True)


@pytest.fixture
def web_log(app):
    from web import db

    with app.app_context():
        s = db.session()
        admin = factories.user(s, Role.ADMIN, name="王管理", email="boss@example.com")
        staff = factories.user(s, Role.STAFF, name="李工作")
        audit.record(s, staff, "roadshow.followup", "meeting", 7, intent="签约意向")
        audit.record(s, admin, "user.created", "user", staff.id)
        audit.record(s, admin, "match.assigned", "match", 3, **{"from": None, "to": staff.id})
        s.flush()
        result = {"email": admin.email, "staff_id": staff.id}
        s.commit()
        return result


def test_audit_page_names_people_and_translates_actions(client, web_log) -> None:
    page = _admin_page(client, web_log)
    table = re.search(r"<tbody>.*</tbody>", page, re.S)
    assert table is not None
    rows = table.group(0)
    assert "李工作" in rows and "王管理" in rows and "管理员" in rows  # name and role
    assert "路演后续跟进" in rows and "roadshow.followup" not in rows
    assert "意向：签约意向" in rows and "\\u" not in rows
    assert "负责人：— → 李工作" in rows
    english = _admin_page(client, web_log, lang="en")
    assert "Roadshow follow-up" in english


def test_audit_page_filters_by_actor(client, web_log) -> None:
    page = _admin_page(client, web_log, f"&actor={web_log['staff_id']}")
    table = re.search(r"<tbody>.*</tbody>", page, re.S)
    assert table and "路演后续跟进" in table.group(0) and "王管理" not in table.group(0)
