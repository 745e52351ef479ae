"""Every API error is JSON: {"error": "...", "fields": {...}} with the HTTP status."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response

PREFIX = "/api/"
MESSAGES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    409: "conflict",
    422: "invalid_input",
    429: "rate_limited",
    500: "server_error",
}


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def json_error(
    status: int,
    error: str | None = None,
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, object] | None = None,
) -> Response:
    body: dict[str, object] = {"error": error or MESSAGES.get(status, "error"), **(extra or {})}
    if fields:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def from_exception(exc: HTTPException) -> Response:
    """A JSON error for an HTTP exception, keeping the headers it must carry (Allow on 405)."""
    response = json_error(exc.code or 500)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response
