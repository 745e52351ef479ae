"""Browsing published achievements and needs (search and submission forms come later)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import taxonomy, visibility
from matchmaker.interest import requests as interest
from matchmaker.listings import pages
from matchmaker.models import Achievement, Need
from web import db
from web.extensions import login_manager
from web.listings import bp

PAGE_SIZE = 20


def _viewer():  # type: ignore[no-untyped-def]
    return current_user if current_user.is_authenticated else None


def _browse(model: type[Achievement] | type[Need], template: str) -> str:
    field = request.args.get("field") or None
    region = request.args.get("region") or None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = pages.numbered(
        db.session(),
        model,
        _viewer(),
        page=page,
        size=PAGE_SIZE,
        field=field if field in taxonomy.FIELDS else None,
        region=region if region in taxonomy.REGIONS else None,
    )
    total = found.total
    return render_template(
        template,
        items=found.items,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        field=field,
        region=region,
        fields=taxonomy.FIELDS,
        regions=taxonomy.REGIONS,
    )


def _detail(model: type[Achievement] | type[Need], item_id: int, template: str) -> str | Response:
    item = db.session().get(model, item_id)
    if item is None:
        abort(404)
    viewer = _viewer()
    level = visibility.access(viewer, item)
    if level == visibility.Access.NONE:
        if visibility.sign_in_to_see(viewer, item):
            return login_manager.unauthorized()  # to sign in, with next= back to this page
        abort(404)  # not 403: do not reveal that a hidden listing exists
    asked = interest.live_request(db.session(), viewer, item) if viewer is not None else None
    return render_template(
        template,
        item=item,
        access=level.value,
        can_request=visibility.can_request(viewer, item),
        asked=asked,
    )


@bp.route("/achievements")
def achievements() -> str:
    return _browse(Achievement, "listings/achievements.html")


@bp.route("/achievements/<int:item_id>")
def achievement(item_id: int) -> str | Response:
    return _detail(Achievement, item_id, "listings/achievement.html")


@bp.route("/needs")
def needs() -> str:
    return _browse(Need, "listings/needs.html")


@bp.route("/needs/<int:item_id>")
def need(item_id: int) -> str | Response:
    return _detail(Need, item_id, "listings/need.html")
