"""Property-based fuzzing of the JSON API with Schemathesis, against the generated document:
no 5xx, and every response conforms to the declared status codes and schemas."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from matchmaker import runtime  # noqa: E402
from matchmaker.accounts import api_tokens  # noqa: E402
from matchmaker.models import MatchState, Role, Visibility  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_settings  # noqa: E402


@pytest.fixture(scope="module")
def fuzz_app(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_template: Path
) -> Iterator[tuple[Flask, dict[str, str]]]:
    from web import create_app

    instance = tmp_path_factory.mktemp("fuzz") / "instance"
    instance.mkdir()
    shutil.copy(migrated_sqlite_template, instance / "test.sqlite")
    # no rate limit: the fuzzer sends more than a minute's allowance
    app = create_app(make_settings(instance, api_rate_limit=0), TESTING=True)
    with runtime.database().transaction() as s:
        enterprise = factories.user(s, Role.ENTERPRISE)
        need = factories.need(s, enterprise, confidential_notes="内部")
        factories.need(s, visibility=Visibility.CONFIDENTIAL)
        achievement = factories.achievement(s)
        factories.match(s, need, achievement, state=MatchState.INTRODUCED)
        factories.roadshow(s)
        secret = api_tokens.create(s, enterprise, "fuzz").secret
    yield app, {"Authorization": f"Bearer {secret}"}
    runtime.database().dispose()


# Rules JSON Schema cannot state, so a schema-valid request may rightly get a 4xx there: a need's
# deadline must be in the future and its budget range ordered (same form rules as the site); a
# cursor is only meaningful when the server issued it.
SEMANTIC_RULES = {
    "POST /api/v1/needs",
    "GET /api/v1/needs",
    "GET /api/v1/achievements",
    "GET /api/v1/matches",
    "GET /api/v1/experts",
    # a valid body names a listing that may not exist (404) or is the user's own (422)
    "POST /api/v1/interest-requests",
    "GET /api/v1/threads",
    "GET /api/v1/threads/{thread_id}/messages",
    # a body of Unicode spaces matches the pattern \S in some engines, and is still empty here
    "POST /api/v1/threads/{thread_id}/messages",
}
MAX_EXAMPLES = 25


def fuzz(operation: Any, headers: dict[str, str]) -> None:
    excluded = (
        [schemathesis.checks.positive_data_acceptance] if operation.label in SEMANTIC_RULES else []
    )

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()


def test_api_conforms_to_its_document(fuzz_app: tuple[Flask, dict[str, str]]) -> None:
    """Each operation of the served document, fuzzed through the WSGI app with a valid token.

    Schemathesis' pytest integration (`schema.parametrize()` on a fixture-loaded schema) does not
    work with the installed pytest 9, so the operations are driven with Hypothesis directly."""
    app, headers = fuzz_app
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        try:
            fuzz(operation, headers)
        except Exception as exc:
            failures[operation.label] = str(exc)[:3000]
    assert failures == {}
    declared = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if not path.endswith("/openapi.json")  # Schemathesis leaves the document itself out
    }
    assert set(labels) == declared and len(declared) == 15
