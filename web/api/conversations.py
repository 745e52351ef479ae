"""Conversations by token: the threads the token's user may read, their messages, and writing
one (text only; attachments go through the web page). The same visibility rules as the pages:
a thread the user may not read is a 404."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker import runtime, visibility
from matchmaker.conversations import operations, queries, subjects
from matchmaker.core.errors import OperationError, PermissionDenied, ValidationFailed
from matchmaker.models import Conversation, Message, User
from web import db
from web.api import schemas
from web.api.auth import api_user
from web.api.errors import json_error
from web.api.listings import PAGE_PARAMS, page_limit
from web.api.registry import operation

PAGING = [p for p in PAGE_PARAMS if p["name"] != "field"]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def thread_json(s: Any, user: User, conversation: Conversation) -> dict[str, Any]:
    topic = subjects.topic(s, conversation, user)
    return {
        "id": conversation.id,
        "subject": conversation.subject_kind,
        "subject_id": conversation.subject_id,
        "state": str(topic.state) if topic.state else None,
        "created_at": _iso(conversation.created_at),
        "last_message_at": _iso(conversation.last_message_at),
        "agreement_reported_at": _iso(conversation.agreement_reported_at),
    }


def message_json(s: Any, user: User, message: Message) -> dict[str, Any]:
    who = subjects.author_for(
        s, message.conversation, message.author, message.is_from_association, user
    )
    return {
        "id": message.id,
        "thread_id": message.conversation_id,
        "kind": str(message.kind),
        "body": message.body,
        "author": {"side": who.side, "name": who.name},
        "attachments": [
            {"name": a.original_name, "size": a.size_bytes} for a in message.attachments
        ],
        "created_at": _iso(message.created_at),
    }


def _readable(thread_id: int) -> Conversation | None:
    conversation = db.session().get(Conversation, thread_id)
    if conversation is None or not visibility.can_read_conversation(api_user(), conversation):
        return None
    return conversation


@operation(
    "/threads",
    summary="Conversations the token's user may read (staff: all), newest first",
    parameters=PAGING,
    response=schemas.page_of(schemas.THREAD),
    errors=(400,),
)
def list_threads() -> Response:
    s = db.session()
    try:
        items, cursor = queries.readable_page(
            s, api_user(), limit=page_limit(), cursor=request.args.get("cursor") or None
        )
    except ValidationFailed as exc:
        return json_error(400, exc.code, {exc.field or "query": [exc.code]})
    return jsonify({"items": [thread_json(s, api_user(), t) for t in items], "next_cursor": cursor})


@operation(
    "/threads/<int:thread_id>/messages",
    summary="Messages of a conversation, oldest first",
    parameters=PAGING,
    response=schemas.page_of(schemas.MESSAGE),
    errors=(400, 404),
)
def list_messages(thread_id: int) -> Response:
    s = db.session()
    conversation = _readable(thread_id)
    if conversation is None:
        return json_error(404)
    try:
        page = queries.messages_page(
            s, conversation, limit=page_limit(), cursor=request.args.get("cursor") or None
        )
    except ValidationFailed as exc:
        return json_error(400, exc.code, {exc.field or "query": [exc.code]})
    items = [message_json(s, api_user(), m) for m in page.items]
    return jsonify({"items": items, "next_cursor": page.next_cursor})


@operation(
    "/threads/<int:thread_id>/messages",
    "POST",
    summary="Write a message in a conversation (staff write as the association)",
    request=schemas.MESSAGE_INPUT,
    response=schemas.MESSAGE,
    status=201,
    errors=(400, 403, 404, 422),
)
def create_message(thread_id: int) -> Response:
    s = db.session()
    conversation = _readable(thread_id)
    if conversation is None:
        return json_error(404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        return json_error(400, "bad_request", {"body": ["a JSON object with a text body"]})
    try:
        message = operations.post(s, runtime.settings(), api_user(), conversation, body["body"])
    except PermissionDenied as exc:
        s.rollback()
        return json_error(403, exc.code)
    except OperationError as exc:
        s.rollback()
        problems = getattr(exc, "problems", None) or [exc]
        fields: dict[str, list[str]] = {}
        for p in problems:
            fields.setdefault(getattr(p, "field", None) or "body", []).append(p.code)
        return json_error(422, exc.code, fields)
    s.commit()
    response = jsonify(message_json(s, api_user(), message))
    response.status_code = 201
    return response
