"""Browsing published achievements and needs (search and submission forms come later)."""

from __future__ import annotations

import logging

from flask import abort, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import runtime, taxonomy, visibility
from matchmaker.experts import matching as expert_matching
from matchmaker.interest import requests as interest
from matchmaker.listings import pages
from matchmaker.models import Achievement, Need
from web import db
from web.extensions import login_manager
from web.listings import bp

PAGE_SIZE = 20
log = logging.getLogger(__name__)


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


def _helping_experts(need: Need) -> list[expert_matching.ExpertPair] | None:
    """Experts who could help (the need's owner and staff see them); None: the index is down
    or search is turned off."""
    if not runtime.settings().search_enabled:
        return None
    try:
        return expert_matching.experts_for_need(
            db.session(), runtime.search_engine(), need, _viewer()
        )
    except Exception:  # the need page must not fail because the index does not answer
        log.exception("experts for need %s", need.id)
        return None


def _detail(
    model: type[Achievement] | type[Need], item_id: int, template: str, with_experts: bool = False
) -> str | Response:
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
    experts = None
    if with_experts and level == visibility.Access.OWNER:
        experts = _helping_experts(item)  # type: ignore[arg-type]
    return render_template(
        template,
        item=item,
        access=level.value,
        can_request=visibility.can_request(viewer, item),
        asked=asked,
        experts=experts,
        with_experts=with_experts,
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
    return _detail(Need, item_id, "listings/need.html", with_experts=True)
