"""Endpoints declare themselves here once: the Flask route and its OpenAPI operation together,
so the document at /api/v1/openapi.json cannot drift from the code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from web.api import bp
from web.api.auth import token_required

Schema = dict[str, Any]
RULE_PART = re.compile(r"<(?:(\w+):)?(\w+)>")
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


@dataclass(frozen=True)
class Operation:
    rule: str  # Flask rule relative to the blueprint, e.g. /needs/<int:listing_id>
    method: str
    endpoint: str
    summary: str
    parameters: list[Schema] = field(default_factory=list)
    request_schema: Schema | None = None
    response_schema: Schema = field(default_factory=dict)
    status: int = 200
    errors: tuple[int, ...] = ()
    authenticated: bool = True

    @property
    def path(self) -> str:
        return RULE_PART.sub(lambda m: "{" + m.group(2) + "}", self.rule)

    def path_parameters(self) -> list[Schema]:
        params = []
        for converter, name in RULE_PART.findall(self.rule):
            kind = "integer" if converter == "int" else "string"
            schema: Schema = {"type": kind}
            if kind == "integer":
                schema.update(minimum=0, maximum=MAX_ID)
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return params


OPERATIONS: list[Operation] = []


def query(name: str, schema: Schema, description: str = "") -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def operation(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    response: Schema,
    parameters: list[Schema] | None = None,
    request: Schema | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    authenticated: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(
            rule=rule,
            method=method.upper(),
            endpoint=view.__name__,
            summary=summary,
            parameters=parameters or [],
            request_schema=request,
            response_schema=response,
            status=status,
            errors=errors,
            authenticated=authenticated,
        )
        OPERATIONS.append(op)
        wrapped = token_required(view) if authenticated else view
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[op.method])
        return view

    return decorator
