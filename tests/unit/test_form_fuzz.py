"""Hostile input to every route of the site answers with a page or a clear error, never a 500.

Every form field name the templates use is sent to every route (POST bodies and GET query
strings) with values that broke views before: superscript and Arabic digits that `isdigit()`
accepts, ids past 2⁶³, NaN, infinity, invisible-only text, markup, oversized text. URLs carry
real ids and one past 2⁶³. The API has its own Schemathesis fuzz (test_api_fuzz.py).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter

from matchmaker import runtime
from matchmaker.models import Role
from matchmaker.roadshows import desk, events
from tests import factories
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
HOSTILE = (
    "²",
    "٣",
    "99999999999999999999",
    "-1",
    "NaN",
    "inf",
    "1e309",
    "\u200b\u200b",
    "<script>alert(1)</script>",
    "2026-13-45T25:61",
    "A" * 3000,
)
HUGE_ID = 99999999999999999999
SKIPPED = {"static", "auth.logout", "auth.set_language", "api_tokens.create"}


def _field_names() -> list[str]:
    names: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        names.update(re.findall(r'name="([a-z_]+)"', template.read_text(encoding="utf-8")))
    names.discard("csrf_token")
    return sorted(names)


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_template: Path
) -> Iterator[Flask]:
    from web import create_app

    instance = tmp_path_factory.mktemp("fuzz") / "instance"
    instance.mkdir()
    shutil.copy(migrated_sqlite_template, instance / "test.sqlite")
    application = create_app(make_settings(instance), TESTING=True, WTF_CSRF_ENABLED=False)
    with runtime.database().transaction() as s:
        staff = factories.user(s, Role.STAFF, email="staff@fuzz.cn")
        researcher = factories.user(s, Role.RESEARCHER, email="researcher@fuzz.cn")
        enterprise = factories.user(s, Role.ENTERPRISE, email="enterprise@fuzz.cn")
        achievement = factories.achievement(s, researcher)
        need = factories.need(s, enterprise)
        factories.match(s, need, achievement)
        roadshow = factories.roadshow(s, staff)
        s.flush()
        events.recommend(s, staff, roadshow)
        events.publish(s, staff, roadshow)
        desk.register(
            s, roadshow, desk.Applicant(name="企业代表", email=enterprise.email), user=enterprise
        )
    yield application
    runtime.database().dispose()


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    return client


def _urls(app: Flask) -> Iterator[tuple[str, str]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIPPED or rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            for id_value in (1, HUGE_ID):
                parts: dict[str, object] = {}
                for name in rule.arguments:
                    if isinstance(rule._converters[name], IntegerConverter):
                        parts[name] = id_value
                    else:
                        parts[name] = "need" if name == "kind" else "x"
                with app.test_request_context():
                    try:
                        url = url_for(rule.endpoint, **parts)
                    except Exception:
                        url = rule.rule.replace("<int:", "<").split("<")[0] + str(id_value)
                yield method, url
                if not any(
                    isinstance(rule._converters[n], IntegerConverter) for n in rule.arguments
                ):
                    break


def test_hostile_values_in_every_field_of_every_route_never_crash(app: Flask) -> None:
    fields = _field_names()
    assert {"version", "contract_value", "item_id", "title", "capacity"} <= set(fields)
    crashes: list[str] = []
    for email in ("staff@fuzz.cn", "researcher@fuzz.cn", "enterprise@fuzz.cn"):
        client = _client(app, email)
        for method, url in _urls(app):
            for value in HOSTILE:
                data = {name: value for name in fields}
                if method == "GET":
                    response = client.get(url, query_string=data)
                else:
                    response = client.post(url, data=data)
                if response.status_code >= 500:
                    crashes.append(f"{method} {url} as {email} with {value[:12]!r}")
                    break
    assert crashes == []


def test_ids_past_the_database_range_are_not_found(app: Flask) -> None:
    client = _client(app, "staff@fuzz.cn")
    for url in (f"/needs/{HUGE_ID}", f"/review/matches/{HUGE_ID}", f"/roadshows/{HUGE_ID}"):
        assert client.get(url).status_code == 404, url
    assert client.get("/review/matches", query_string={"page": str(HUGE_ID)}).status_code == 200
