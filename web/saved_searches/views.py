"""Saved searches: save from the search page, manage on one page, unsubscribe from a mail."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import runtime
from matchmaker.core.errors import OperationError
from matchmaker.listings import pages as listing_pages
from matchmaker.models import DigestFrequency, Need, SavedSearch
from matchmaker.saved_searches import operations as saved_searches
from web import db
from web.committing import committing
from web.messages import message_for
from web.saved_searches import bp


def _frequency(value: str | None) -> DigestFrequency:
    return DigestFrequency.WEEKLY if value == "weekly" else DigestFrequency.DAILY


def _owned(saved_id: int) -> SavedSearch:
    try:
        return saved_searches.owned(db.session(), current_user, saved_id)
    except OperationError:
        abort(404)


def search_url(saved: SavedSearch) -> str:
    """The search page with the saved query and facets, or the need's matches."""
    if saved.need_id is not None:
        return url_for("listings.need", item_id=saved.need_id)
    return url_for("search.search", q=saved.query, kind=saved.kind, **saved.facets)


@bp.route("/saved-searches")
@login_required
def saved_list() -> str:
    s = db.session()
    items = saved_searches.for_user(s, current_user)
    needs = {n.id: n for n in listing_pages.owned_by(s, Need, current_user)}
    return render_template(
        "saved_searches/saved_searches.html", items=items, needs=needs, search_url=search_url
    )


@bp.route("/saved-searches", methods=["POST"])
@login_required
def saved_create() -> Response:
    s = db.session()
    kind = request.form.get("kind", "achievement")
    facets = {
        "field": request.form.get("field") or None,
        "region": request.form.get("region") or None,
        "mode": request.form.get("mode") or None,
        "trl": request.form.get("trl", type=int),
    }
    with committing(_("Search saved: you will get a digest of new results.")) as outcome:
        saved = saved_searches.create(
            s,
            current_user,
            kind=kind,
            query=request.form.get("q", ""),
            facets=facets,
            name=request.form.get("name") or None,
            frequency=_frequency(request.form.get("frequency")),
        )
    if not outcome.ok:
        return redirect(url_for("search.search", q=request.form.get("q", ""), kind=kind))
    return redirect(url_for("saved_searches.saved_list", _anchor=f"saved-{saved.id}"))


@bp.route("/saved-searches/<int:saved_id>")
@login_required
def saved_detail(saved_id: int) -> str:
    saved = _owned(saved_id)
    return render_template("saved_searches/saved_search.html", saved=saved, search_url=search_url)


@bp.route("/saved-searches/<int:saved_id>/<action>", methods=["POST"])
@login_required
def saved_update(saved_id: int, action: str) -> Response:
    s = db.session()
    saved = _owned(saved_id)
    if action == "delete":
        saved_searches.delete(s, current_user, saved)
        message = _("Saved search deleted.")
    elif action in ("pause", "resume"):
        saved_searches.update(s, current_user, saved, active=action == "resume")
        message = _("Digest switched on.") if action == "resume" else _("Digest switched off.")
    elif action == "frequency":
        saved_searches.update(
            s, current_user, saved, frequency=_frequency(request.form.get("frequency"))
        )
        message = _("Digest frequency changed.")
    else:
        abort(404)
    s.commit()
    flash(message, "success")
    return redirect(url_for("saved_searches.saved_list"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> tuple[str, int] | str:
    """From the digest e-mail, no sign-in: GET shows the search and one button, POST leaves."""
    s = db.session()
    settings = runtime.settings()
    try:
        saved = saved_searches.for_token(s, settings, token)
    except OperationError as exc:
        page = render_template(
            "saved_searches/unsubscribe.html", error=message_for(exc), saved=None
        )
        return page, 400
    done = False
    if request.method == "POST":
        saved_searches.unsubscribe(s, settings, token)
        s.commit()
        done = True
    return render_template("saved_searches/unsubscribe.html", saved=saved, done=done)
