from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user, login_required

from matchmaker import visibility
from matchmaker.db import count_rows
from matchmaker.duplicates import guards as duplicates
from matchmaker.listings import validity
from matchmaker.models import Achievement, ListingState, Match, MatchState, Need, Role
from web import db
from web.main import bp

EXPIRY_HORIZON_DAYS = 14


def _viewer():  # type: ignore[no-untyped-def]
    return current_user if current_user.is_authenticated else None


@bp.route("/")
def index() -> str:
    s = db.session()
    viewer = _viewer()
    recent_achievements = s.scalars(
        visibility.browsable(Achievement, viewer).order_by(Achievement.published_at.desc()).limit(6)
    ).all()
    recent_needs = s.scalars(
        visibility.browsable(Need, viewer).order_by(Need.published_at.desc()).limit(6)
    ).all()
    published = ListingState.PUBLISHED
    stats = {
        "achievements": count_rows(s, Achievement, Achievement.state == published),
        "needs": count_rows(s, Need, Need.state == published),
        "signed": count_rows(s, Match, Match.state == MatchState.SIGNED),
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
        context["mine"] = s.scalars(
            sa.select(Achievement)
            .where(Achievement.owner_id == current_user.id)
            .order_by(Achievement.updated_at.desc())
        ).all()
    elif current_user.role == Role.ENTERPRISE:
        context["mine"] = s.scalars(
            sa.select(Need).where(Need.owner_id == current_user.id).order_by(Need.updated_at.desc())
        ).all()
    else:
        submitted = ListingState.SUBMITTED
        context["awaiting_achievements"] = count_rows(
            s, Achievement, Achievement.state == submitted
        )
        context["awaiting_needs"] = count_rows(s, Need, Need.state == submitted)
        context["proposed_matches"] = count_rows(s, Match, Match.state == MatchState.PROPOSED)
        context["expiring"] = validity.upcoming_expiries(s, days=EXPIRY_HORIZON_DAYS)
        context["expiry_horizon"] = EXPIRY_HORIZON_DAYS
        context["open_duplicates"] = duplicates.open_count(s)
    return render_template("main/dashboard.html", **context)
