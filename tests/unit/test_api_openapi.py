"""The OpenAPI document: valid OpenAPI 3.0, and it describes every /api/v1 route of the app."""

from __future__ import annotations

import re

import pytest
from flask import Flask

openapi_spec_validator = pytest.importorskip("openapi_spec_validator")

CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def app_operations(app: Flask) -> set[tuple[str, str]]:
    """(method, OpenAPI path) for every /api/v1 rule in the app's url map."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = CONVERTER.sub(r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            found.add((method.lower(), path))
    return found


def test_the_document_is_valid_openapi(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    openapi_spec_validator.validate(document)
    assert document["openapi"].startswith("3.0")


def test_every_api_route_is_described(app, client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    routes = app_operations(app)
    assert len(routes) >= 8
    assert routes == described


def test_authenticated_operations_declare_bearer_and_401(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, item in document["paths"].items():
        for method, op in item.items():
            if path.endswith("/openapi.json"):
                assert op["security"] == []
                continue
            assert op["security"] == [{"bearer": []}], (method, path)
            assert "401" in op["responses"], (method, path)


def test_an_undeclared_route_would_be_noticed(app) -> None:
    """The check above compares with the url map, so a route added without a declaration fails."""
    app.add_url_rule("/api/v1/undeclared", "undeclared", lambda: "")
    with app.test_client() as c:
        document = c.get("/api/v1/openapi.json").get_json()
    described = {(m, p) for p, item in document["paths"].items() for m in item}
    assert ("get", "/api/v1/undeclared") in app_operations(app) - described
