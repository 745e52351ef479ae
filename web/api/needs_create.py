"""POST /needs: an enterprise's token files a need, validated exactly like the web form
(web/submissions/forms.py NeedForm) and submitted for staff review."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from matchmaker import runtime
from matchmaker.core.errors import OperationError
from matchmaker.listings import operations as listings
from matchmaker.models import Need, Role
from web import db
from web.api import schemas, serialize
from web.api.auth import api_user
from web.api.errors import json_error
from web.api.registry import operation
from web.submissions.forms import NeedForm
from web.submissions.views import form_to_fields

LIST_FIELDS = {"cooperation_modes"}
JOINED_FIELDS = {"keywords"}  # the form takes one comma-separated string


class BadInput(Exception):
    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("bad input")
        self.fields = fields


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError
    return str(value)


def form_data(body: dict[str, Any]) -> MultiDict[str, str]:
    """The JSON body as the form data the web form would post; wrong types are field errors."""
    data: MultiDict[str, str] = MultiDict()
    wrong: dict[str, list[str]] = {}
    for name, value in body.items():
        if value is None:
            continue
        try:
            if name in LIST_FIELDS:
                if not isinstance(value, list):
                    raise TypeError
                for item in value:
                    data.add(name, _scalar(item))
            elif name in JOINED_FIELDS:
                items = value if isinstance(value, list) else [value]
                data.add(name, ", ".join(_scalar(item) for item in items))
            else:
                data.add(name, _scalar(value))
        except TypeError:
            wrong[name] = ["wrong type"]
    if wrong:
        raise BadInput(wrong)
    data.setdefault("visibility", "public")
    return data


@operation(
    "/needs",
    "POST",
    summary="File a need (enterprise tokens) and submit it for staff review",
    request=schemas.NEED_INPUT,
    response=schemas.NEED,
    status=201,
    errors=(400, 403, 409, 422),
)
def create_need() -> Response:
    user = api_user()
    if user.role != Role.ENTERPRISE:
        return json_error(403, "enterprise_only")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nesting deeper than any need has: not worth a stack
        body = None
    if not isinstance(body, dict):
        return json_error(400, "json_object_expected")
    try:
        formdata = form_data(body)
    except BadInput as exc:
        return json_error(422, "invalid_input", exc.fields)
    form = NeedForm(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return json_error(422, "invalid_input", fields)
    s = db.session()
    try:
        filed = listings.file_listing(
            s,
            user,
            Need(**form_to_fields("need", form)),
            settings=runtime.settings(),
            engine=runtime.search_engine(),
            check_similar=False,
            submit=True,
        )
    except OperationError as exc:
        s.rollback()
        return json_error(422, exc.code)
    need = filed.listing
    if filed.already_saved:  # a retried request: the need was filed a moment ago
        return json_error(409, "already_submitted", extra={"id": need.id})
    s.commit()
    response = jsonify(serialize.listing(user, need))
    response.status_code = 201
    return response
