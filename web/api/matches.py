"""GET /matches: staff see every match (state filter); researchers and enterprises only the
approved matches on their own listings, as on /my/matches."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker.models import Match, MatchState
from matchmaker.services import matches as match_service
from web import db
from web.api import schemas, serialize
from web.api.auth import api_user
from web.api.errors import json_error
from web.api.registry import operation, query

STAFF_LIMIT = 100
STATES = [s.value for s in MatchState]


@operation(
    "/matches",
    summary="Matches: all for staff (newest first, at most 100), approved ones on own listings "
    "for researchers and enterprises",
    parameters=[query("state", {"type": "string", "enum": STATES}, "staff only")],
    response=schemas.list_of(schemas.MATCH),
    errors=(400,),
)
def list_matches() -> Response:
    user = api_user()
    s = db.session()
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        return json_error(400, "bad_state", {"state": ["unknown state"]})
    if user.is_staff:
        stmt = sa.select(Match).order_by(Match.id.desc()).limit(STAFF_LIMIT)
        if state is not None:
            stmt = stmt.where(Match.state == MatchState(state))
        items = list(s.scalars(stmt))
    else:
        items = match_service.for_party(s, user)
        if state is not None:
            items = [m for m in items if m.state == MatchState(state)]
    return jsonify({"items": [serialize.match(m) for m in items]})
