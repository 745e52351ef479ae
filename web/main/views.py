from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from matchmaker.duplicates import guards as duplicates
from matchmaker.listings import pages, validity
from matchmaker.matching import operations as matching
from matchmaker.models import Achievement, ListingState, MatchState, Need, Role
from matchmaker.review import dashboard as match_figures
from web import db
from web.main import bp

EXPIRY_HORIZON_DAYS = 14


def _viewer():  # type: ignore[no-untyped-def]
    return current_user if current_user.is_authenticated else None


@bp.route("/")
def index() -> str:
    s = db.session()
    viewer = _viewer()
    recent_achievements = pages.newest(s, Achievement, viewer, 6)
    recent_needs = pages.newest(s, Need, viewer, 6)
    published = ListingState.PUBLISHED
    stats = {
        "achievements": pages.count_in_state(s, Achievement, published),
        "needs": pages.count_in_state(s, Need, published),
        "signed": match_figures.count_in_state(s, MatchState.SIGNED),
    }
    return render_template(
        "main/index.html",
        recent_achievements=recent_achievements,
        recent_needs=recent_needs,
        stats=stats,
    )


@bp.route("/dashboard")
@login_required
def dashboard() -> str:
    s = db.session()
    context: dict[str, object] = {}
    if current_user.role == Role.RESEARCHER:
        context["mine"] = pages.owned_by(s, Achievement, current_user)
    elif current_user.role == Role.ENTERPRISE:
        context["mine"] = pages.owned_by(s, Need, current_user)
    else:
        submitted = ListingState.SUBMITTED
        context["awaiting_achievements"] = pages.count_in_state(s, Achievement, submitted)
        context["awaiting_needs"] = pages.count_in_state(s, Need, submitted)
        context["proposed_matches"] = match_figures.count_in_state(s, MatchState.PROPOSED)
        context["expiring"] = validity.upcoming_expiries(s, days=EXPIRY_HORIZON_DAYS)
        context["expiry_horizon"] = EXPIRY_HORIZON_DAYS
        context["open_duplicates"] = duplicates.open_count(s)
        context["unmet_needs"] = matching.unmet_needs(s)
        context["unmet_counts"] = matching.unmet_counts(context["unmet_needs"])  # type: ignore[arg-type]
    return render_template("main/dashboard.html", **context)
