"""The "still valid" link from renewal reminders: works without signing in."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import format_date

from matchmaker import runtime
from matchmaker.core.errors import OperationError
from matchmaker.listings import validity
from web import db
from web.listings import bp
from web.messages import message_for


@bp.route("/renew/<token>", methods=["GET", "POST"])
def renew_by_link(token: str) -> tuple[str, int] | str:
    """GET shows what will be renewed and one button; only the POST renews, so mail scanners
    that open every link cannot keep listings alive nobody looks after."""
    s = db.session()
    settings = runtime.settings()
    try:
        listing = validity.listing_for_token(s, settings, token)
    except OperationError as exc:
        return render_template("listings/renew.html", error=message_for(exc), listing=None), 400
    if request.method == "POST":
        validity.renew(s, settings, None, listing)
        s.commit()
        return render_template(
            "listings/renew.html",
            listing=listing,
            renewed=True,
            until=format_date(listing.expires_at),
        )
    return render_template("listings/renew.html", listing=listing, renewed=False)
