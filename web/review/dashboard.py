"""The staff dashboard: funnel, time to first decision, workload, what needs attention."""

from __future__ import annotations

from flask import render_template, request

from matchmaker import runtime
from matchmaker.review import dashboard as match_dashboard
from matchmaker.review import queue as review_queue
from web import db
from web.access import staff_required
from web.review import bp

GROUPINGS = ("field", "region")


@bp.route("/dashboard")
@staff_required
def dashboard() -> str:
    s = db.session()
    settings = runtime.settings()
    by = request.args.get("by")
    by = by if by in GROUPINGS else "field"
    return render_template(
        "review/dashboard.html",
        overall=match_dashboard.funnels(s)[0],
        groups=match_dashboard.funnels(s, by)[:12],
        by=by,
        stages=[stage.value for stage in match_dashboard.FUNNEL],
        times=match_dashboard.time_to_first_decision(s),
        workload=match_dashboard.workload(s, settings.match_stuck_days),
        tabs=review_queue.counts_by_tab(s, settings.match_stuck_days),
        stuck_days=settings.match_stuck_days,
    )
