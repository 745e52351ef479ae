"""GET /roadshows: the published roadshows, as the public list shows them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from werkzeug.wrappers import Response

from matchmaker import visibility
from matchmaker.models import Roadshow
from web import db
from web.api import schemas, serialize
from web.api.registry import operation


@operation(
    "/roadshows",
    summary="Published roadshows (open, running or done), newest first",
    response=schemas.list_of(schemas.ROADSHOW),
)
def roadshows() -> Response:
    stmt = (
        sa.select(Roadshow)
        .where(Roadshow.state.in_(visibility.PUBLIC_ROADSHOW_STATES))
        .order_by(Roadshow.starts_at.desc(), Roadshow.id.desc())
    )
    return jsonify({"items": [serialize.roadshow(r) for r in db.session().scalars(stmt)]})
