"""Structured logs: the JSON formatter and the per-request line."""

from __future__ import annotations

import json
import logging

from matchmaker import logs
from matchmaker.models import Role
from tests import factories


def test_json_lines_carry_the_extra_fields_and_exceptions() -> None:
    record = logging.LogRecord(
        "matchmaker.x", logging.WARNING, __file__, 1, "hello %s", ("世界",), None
    )
    record.fields = {"job_id": 7}
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["message"] == "hello 世界" and entry["level"] == "warning"
    assert entry["job_id"] == 7 and entry["logger"] == "matchmaker.x" and "T" in entry["time"]
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        failed = logging.LogRecord("m", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "RuntimeError: boom" in json.loads(logs.JsonFormatter().format(failed))["exception"]


def test_every_request_is_logged_with_status_time_and_user(client, session, caplog) -> None:
    person = factories.user(session, Role.STAFF)
    session.commit()
    caplog.set_level(logging.INFO, logger="matchmaker.request")
    client.get("/needs")
    client.post("/login", data={"email": person.email, "password": factories.PASSWORD})
    client.get("/review/matches/987654")
    lines = [r.fields for r in caplog.records if r.name == "matchmaker.request"]
    assert [(f["method"], f["path"], f["status"]) for f in lines] == [
        ("GET", "/needs", 200),
        ("POST", "/login", 302),
        ("GET", "/review/matches/987654", 404),
    ]
    assert lines[0]["user_id"] is None and lines[2]["user_id"] == person.id
    assert all(isinstance(f["ms"], float) and f["ms"] >= 0 for f in lines)
    assert "password" not in json.dumps(lines)
