"""GET and POST /interest-requests: a token's user lists the requests they sent and those about
their own listings (staff: all, with a state filter) and expresses interest in a listing, with
the same rules as the site (matchmaker.interest.requests)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker import visibility
from matchmaker.core.errors import OperationError, PermissionDenied, ValidationFailed
from matchmaker.interest import requests as interest
from matchmaker.models import InterestRequest, InterestState, User
from web import db
from web.api import schemas
from web.api.auth import api_user
from web.api.errors import json_error
from web.api.registry import MAX_ID, operation, query

# a refusal → its HTTP status; anything else from the operation is invalid input (422)
STATUS = {"interest_duplicate": 409, "interest_rate_limited": 429}


def _serialize(user: User, item: InterestRequest, listing: visibility.Listing) -> dict[str, Any]:
    return {
        "id": item.id,
        "listing_kind": item.listing_kind,
        "listing_id": item.listing_id,
        "listing_title": listing.title if visibility.can_see(user, listing) else None,
        "state": str(item.state),
        "agreement_required": bool(item.agreement_required),
        "organisation": item.organisation.name,
        "credit_code": item.organisation.credit_code,
        "match_strength": interest.match_strength(db.session(), item, listing),
        "message": item.message,
        "decline_reason": item.decline_reason,
        "mine": item.requester_id == user.id,
        "created_at": item.created_at.isoformat(),
    }


@operation(
    "/interest-requests",
    summary="Interest requests: those the token's user sent and those about their own listings "
    "(staff: all), newest first",
    parameters=[query("state", {"type": "string", "enum": schemas.INTEREST_STATES})],
    response=schemas.list_of(schemas.INTEREST_REQUEST),
    errors=(400,),
)
def list_interest_requests() -> Response:
    user = api_user()
    state = request.args.get("state") or None
    if state is not None and state not in schemas.INTEREST_STATES:
        return json_error(400, "bad_state", {"state": ["unknown state"]})
    session = db.session()
    if user.is_staff:
        found = interest.everything(session, InterestState(state) if state else None)
    else:
        merged = {r.id: r for r in interest.mine(session, user) + interest.incoming(session, user)}
        found = [merged[i] for i in sorted(merged, reverse=True)]
        if state:
            found = [r for r in found if r.state == state]
    items = [_serialize(user, r.request, r.listing) for r in interest.rows(session, found)]
    return jsonify({"items": items})


@operation(
    "/interest-requests",
    "POST",
    summary="Express interest in a listing (enterprises about achievements, researchers about "
    "needs): one open request per organisation and listing, a few per day",
    request=schemas.INTEREST_INPUT,
    response=schemas.INTEREST_REQUEST,
    status=201,
    errors=(400, 403, 404, 409, 422, 429),
)
def create_interest_request() -> Response:
    user = api_user()
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
    if not isinstance(body, dict):
        return json_error(400, "json_object_expected")
    kind, listing_id, message = (
        body.get("listing_kind"),
        body.get("listing_id"),
        body.get("message"),
    )
    wrong: dict[str, list[str]] = {}
    if kind not in ("achievement", "need"):
        wrong["listing_kind"] = ["achievement or need"]
    if isinstance(listing_id, bool) or not isinstance(listing_id, int):
        wrong["listing_id"] = ["wrong type"]
    if not isinstance(message, str):
        wrong["message"] = ["wrong type"]
    if wrong:
        return json_error(422, "invalid_input", wrong)
    assert isinstance(kind, str) and isinstance(listing_id, int) and isinstance(message, str)
    session = db.session()
    listing = interest.load_listing(session, kind, listing_id) if 0 < listing_id <= MAX_ID else None
    if listing is None or not (
        visibility.can_see(user, listing) or visibility.can_request(user, listing)
    ):
        return json_error(404)
    try:
        created = interest.create(session, user, listing, message)
    except PermissionDenied as exc:
        session.rollback()
        return json_error(403, exc.code)
    except ValidationFailed as exc:
        session.rollback()
        status = STATUS.get(exc.code, 422)
        fields = {exc.field: [exc.code]} if exc.field else None
        return json_error(status, exc.code, fields)
    except OperationError as exc:
        session.rollback()
        return json_error(422, exc.code)
    session.commit()
    response = jsonify(_serialize(user, created, listing))
    response.status_code = 201
    return response
