"""GET achievements and needs: the published listings the token's user may see."""

from __future__ import annotations

from typing import Any, cast

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker.core.errors import ValidationFailed
from matchmaker.core.numbers import whole_number
from matchmaker.listings import pages as listing_pages
from matchmaker.models import Achievement, Need
from matchmaker.visibility import Access, Listing, access, browsable_now
from web import db
from web.api import schemas, serialize
from web.api.auth import api_user
from web.api.errors import json_error
from web.api.registry import MAX_ID, operation, query

PAGE_PARAMS = [
    query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
    query("cursor", {"type": "string"}, "next_cursor of the previous page"),
    query("field", {"type": "string"}, "taxonomy field code, e.g. new_materials"),
]
DEFAULT_LIMIT = 20


def page_limit() -> int:
    raw = request.args.get("limit", "")
    if not raw:
        return DEFAULT_LIMIT
    if whole_number(raw, minimum=1, maximum=listing_pages.MAX_LIMIT) is None:
        raise ValidationFailed("bad_limit", field="limit")
    return int(raw)


def _page(model: type[Achievement] | type[Need]) -> Response:
    user = api_user()
    try:
        page = listing_pages.browse(
            db.session(),
            model,
            user,
            limit=page_limit(),
            cursor=request.args.get("cursor") or None,
            field=request.args.get("field") or None,
        )
    except ValidationFailed as exc:
        return json_error(400, exc.code, {exc.field or "query": [exc.code]})
    items = [serialize.listing(user, item) for item in page.items]
    return jsonify({"items": items, "next_cursor": page.next_cursor})


def _one(model: type[Achievement] | type[Need], listing_id: int) -> Response | Any:
    user = api_user()
    if listing_id > MAX_ID:  # larger than any id the database can hold
        return json_error(404)
    item = cast(Listing | None, db.session().get(model, listing_id))
    if item is None or not browsable_now(item) or access(user, item) == Access.NONE:
        return json_error(404)
    return jsonify(serialize.listing(user, item))


@operation(
    "/achievements",
    summary="Published achievements the token's user may see, newest first",
    parameters=PAGE_PARAMS,
    response=schemas.page_of(schemas.ACHIEVEMENT),
    errors=(400,),
)
def achievements() -> Response:
    return _page(Achievement)


@operation(
    "/achievements/<int:listing_id>",
    summary="One published achievement",
    response=schemas.ACHIEVEMENT,
    errors=(404,),
)
def achievement(listing_id: int) -> Response:
    return _one(Achievement, listing_id)


@operation(
    "/needs",
    summary="Published needs the token's user may see, newest first",
    parameters=PAGE_PARAMS,
    response=schemas.page_of(schemas.NEED),
    errors=(400,),
)
def needs() -> Response:
    return _page(Need)


@operation(
    "/needs/<int:listing_id>",
    summary="One published need",
    response=schemas.NEED,
    errors=(404,),
)
def need(listing_id: int) -> Response:
    return _one(Need, listing_id)
