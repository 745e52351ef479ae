"""GET /matches: staff see every match (state filter); researchers and enterprises only the
approved matches on their own listings, as on /my/matches. Newest first, in keyset pages."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker.core.errors import ValidationFailed
from matchmaker.models import MatchState
from matchmaker.review import parties as match_service
from web import db
from web.api import schemas, serialize
from web.api.auth import api_user
from web.api.errors import json_error
from web.api.listings import PAGE_PARAMS, page_limit
from web.api.registry import operation, query

STATES = [s.value for s in MatchState]


@operation(
    "/matches",
    summary="Matches, newest first: all for staff, approved ones on own listings for "
    "researchers and enterprises",
    parameters=[
        *[p for p in PAGE_PARAMS if p["name"] != "field"],
        query("state", {"type": "string", "enum": STATES}),
    ],
    response=schemas.page_of(schemas.MATCH),
    errors=(400,),
)
def list_matches() -> Response:
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        return json_error(400, "bad_state", {"state": ["unknown state"]})
    try:
        page = match_service.page(
            db.session(),
            api_user(),
            limit=page_limit(),
            cursor=request.args.get("cursor") or None,
            state=MatchState(state) if state else None,
        )
    except ValidationFailed as exc:
        return json_error(400, exc.code, {exc.field or "query": [exc.code]})
    items = [serialize.match(m) for m in page.items]
    return jsonify({"items": items, "next_cursor": page.next_cursor})
