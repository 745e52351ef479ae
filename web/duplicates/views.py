"""Staff page of flagged near-duplicates: side by side, merge or "not a duplicate"."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from matchmaker.core.errors import OperationError
from matchmaker.duplicates import guards as duplicates
from matchmaker.duplicates import merge, textdiff
from matchmaker.search.documents import Listing
from web import db
from web.access import staff_required
from web.committing import committing
from web.duplicates import bp
from web.messages import message_for


def _render(segments: list[textdiff.Segment]) -> Markup:
    return Markup("").join(
        Markup("<mark class='diff'>{}</mark>").format(part) if differs else escape(part)
        for differs, part in segments
    )


def _text(listing: Listing) -> str:
    parts = [listing.title, getattr(listing, "summary", ""), listing.description]
    parts += [getattr(listing, "current_approach", ""), getattr(listing, "desired_outcome", "")]
    return "\n\n".join(p for p in parts if p)


def _pairs(cluster: duplicates.Cluster) -> list[dict[str, object]]:
    by_id = {listing.id: listing for listing in cluster.listings}
    shown = []
    for flag in cluster.flags:
        first, second = by_id.get(flag.first_id), by_id.get(flag.second_id)
        if first is None or second is None:
            continue
        left, right = textdiff.side_by_side(_text(first), _text(second))
        shown.append(
            {
                "flag": flag,
                "first": first,
                "second": second,
                "left": _render(left),
                "right": _render(right),
            }
        )
    return shown


@bp.route("/staff/duplicates")
@staff_required
def duplicate_clusters() -> str:
    page = duplicates.cluster_page(db.session(), max(request.args.get("page", 1, type=int), 1))
    return render_template(
        "duplicates/clusters.html",
        clusters=[(cluster, _pairs(cluster)) for cluster in page.clusters],
        page=page.page,
        pages=page.pages,
        total=page.total,
        open_flags=page.open_flags,
    )


@bp.route("/staff/duplicates/<int:flag_id>/merge/confirm")
@staff_required
def merge_confirm(flag_id: int) -> str | Response:
    """What the merge will do, with the button that does it: nothing changes on this page."""
    s = db.session()
    try:
        flag = duplicates.get_flag(s, flag_id)
        plan = merge.plan(s, current_user, flag, request.args.get("keep", 0, type=int) or 0)
    except OperationError as exc:
        flash(message_for(exc), "error")
        return redirect(url_for("duplicates.duplicate_clusters"))
    return render_template("duplicates/merge_confirm.html", flag=flag, plan=plan)


@bp.route("/staff/duplicates/<int:flag_id>/<decision>", methods=["POST"])
@staff_required
def duplicate_decide(flag_id: int, decision: str) -> Response:
    s = db.session()
    message = ""
    if decision == "merge" and request.form.get("confirmed") != "yes":
        # a merge is done only from its confirmation page, which shows what it will move
        keep = request.form.get("keep", 0, type=int) or 0
        return redirect(url_for("duplicates.merge_confirm", flag_id=flag_id, keep=keep))
    with committing() as outcome:
        flag = duplicates.get_flag(s, flag_id)
        if decision == "merge":
            keep_id = request.form.get("keep", type=int)
            report = merge.merge(s, current_user, flag, keep_id or 0)
            message = _(
                "Merged #%(merged)s into #%(kept)s: %(matches)s matches and %(lineup)s roadshow "
                "registrations moved.",
                merged=report.merged_id,
                kept=report.kept_id,
                matches=len(report.moved_matches),
                lineup=len(report.moved_lineup),
            )
        elif decision == "not-duplicate":
            duplicates.mark_not_duplicate(s, current_user, flag)
            message = _("Marked as not a duplicate: this pair will not be flagged again.")
        else:
            abort(404)
    if outcome.ok:
        flash(message, "success")
    return redirect(url_for("duplicates.duplicate_clusters"))
