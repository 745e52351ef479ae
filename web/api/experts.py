"""Expertise profiles: read under the site's visibility rule; staff create (invite) them."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker import runtime, visibility
from matchmaker.core.errors import OperationError, ValidationFailed
from matchmaker.experts import operations as experts
from matchmaker.models import ExpertProfile
from web import db
from web.api import schemas, serialize
from web.api.auth import api_user
from web.api.errors import json_error
from web.api.listings import PAGE_PARAMS, page_limit
from web.api.registry import MAX_ID, operation

TEXT = ("name", "title", "organisation", "directions", "publications", "email", "phone")
LISTS = ("fields", "offers")


@operation(
    "/experts",
    summary="Expert profiles the token's user may see, newest first",
    parameters=[p for p in PAGE_PARAMS if p["name"] != "field"],
    response=schemas.page_of(schemas.EXPERT),
    errors=(400,),
)
def experts_page() -> Response:
    user = api_user()
    try:
        items, cursor = experts.page(
            db.session(), user, limit=page_limit(), cursor=request.args.get("cursor") or None
        )
    except ValidationFailed as exc:
        return json_error(400, exc.code, {exc.field or "query": [exc.code]})
    return jsonify({"items": [serialize.expert(user, e) for e in items], "next_cursor": cursor})


@operation(
    "/experts/<int:expert_id>",
    summary="One expert profile",
    response=schemas.EXPERT,
    errors=(404,),
)
def expert(expert_id: int) -> Response:
    user = api_user()
    if expert_id > MAX_ID:
        return json_error(404)
    item = db.session().get(ExpertProfile, expert_id)
    if item is None or not visibility.can_see_expert(user, item):
        return json_error(404)
    return jsonify(serialize.expert(user, item))


def _form(body: dict[str, Any]) -> experts.ExpertForm:
    """The JSON body as the web form's values; wrong types raise TypeError."""
    for name in (*TEXT, "region", "availability", "visibility"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise TypeError(name)
    for name in (*LISTS, "achievement_ids"):
        value = body.get(name) or []
        if not isinstance(value, list):
            raise TypeError(name)
    ids = body.get("achievement_ids") or []
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise TypeError("achievement_ids")
    if not all(isinstance(v, str) for name in LISTS for v in body.get(name) or []):
        raise TypeError("fields")
    return experts.ExpertForm(
        name=body.get("name") or "",
        title=body.get("title") or "",
        organisation_name=body.get("organisation") or "",
        region=body.get("region") or None,
        fields=tuple(body.get("fields") or ()),
        directions=body.get("directions") or "",
        achievement_ids=tuple(ids),
        publications=body.get("publications") or "",
        offers=tuple(body.get("offers") or ()),
        availability=body.get("availability") or None,
        visibility=body.get("visibility") or "public",
        email=body.get("email") or "",
        phone=body.get("phone") or "",
    )


@operation(
    "/experts",
    "POST",
    summary="Invite an expert (staff tokens): the expert confirms by e-mail before publishing",
    request=schemas.EXPERT_INPUT,
    response=schemas.EXPERT,
    status=201,
    errors=(400, 403, 422),
)
def create_expert() -> Response:
    user = api_user()
    if not user.is_staff:
        return json_error(403, "staff_only")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "json_object_expected")
    try:
        form = _form(body)
    except TypeError as exc:
        return json_error(422, "invalid_input", {str(exc): ["wrong type"]})
    s = db.session()
    try:
        profile = experts.invite(s, user, form, secret=runtime.settings().secret_key)
    except OperationError as exc:
        s.rollback()
        problems = getattr(exc, "problems", None) or [exc]
        fields = {str(getattr(p, "field", None) or "body"): [p.code] for p in problems}
        return json_error(422, "invalid_input", fields)
    s.commit()
    response = jsonify(serialize.expert(user, profile))
    response.status_code = 201
    return response
