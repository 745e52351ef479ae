"""The OpenAPI 3.0 document, built from the operations the endpoints declared."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from web.api import schemas
from web.api.registry import OPERATIONS, Operation, operation

TITLE = "Matchmaker API"
VERSION = "1.0.0"
BASE = "/api/v1"
DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    400: "Bad request",
    401: "Missing, invalid or revoked token",
    403: "Not allowed for this token's role",
    404: "Not found or not visible to this token",
    409: "The same need was filed a moment ago (its id is given)",
    422: "Invalid input, with field errors",
    429: "Too many requests for this token this minute (Retry-After says how long to wait)",
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {
        str(op.status): {
            "description": DESCRIPTIONS[op.status],
            "content": _json(op.response_schema),
        }
    }
    codes = (*op.errors, 401, 429) if op.authenticated else op.errors
    for code in sorted(set(codes)):
        responses[str(code)] = {"description": DESCRIPTIONS[code], "content": _json(schemas.ERROR)}
    body: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "parameters": [*op.path_parameters(), *op.parameters],
        "responses": responses,
    }
    if op.request_schema is not None:
        body["requestBody"] = {"required": True, "content": _json(op.request_schema)}
    body["security"] = [{"bearer": []}] if op.authenticated else []
    return body


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(BASE + op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.0.3",
        "info": {"title": TITLE, "version": VERSION},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "mm_… API token"}
            }
        },
    }


@operation(
    "/openapi.json",
    summary="This document",
    response={"type": "object"},
    authenticated=False,
)
def openapi_document() -> Response:
    return jsonify(document())
