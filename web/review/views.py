"""The staff match queue, the match card and the actions on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import runtime, taxonomy
from matchmaker.accounts import operations as accounts
from matchmaker.core.errors import OperationError
from matchmaker.core.numbers import whole_number
from matchmaker.importing.tables import safe_cell
from matchmaker.matching.compatibility import shown_checks
from matchmaker.matching.feedback import REJECT_REASONS
from matchmaker.models import Match, MatchState, User
from matchmaker.review import pipeline
from matchmaker.review import queue as review_queue
from web import db
from web.access import staff_required
from web.committing import committing
from web.downloads import send_xlsx
from web.i18n import local_date, term_label
from web.messages import match_state_label, message_for
from web.review import bp

EXPORT_LIMIT = 50_000
BULK_ACTIONS = ("approve", "reject", "assign")


def _staff(s: Any) -> list[User]:
    return accounts.active_staff(s)


def _version(raw: str | None) -> int:
    return whole_number(raw, -1)  # type: ignore[return-value]


def _safe_next(target: str | None, fallback: str) -> str:
    # only our own review pages: never an open redirect
    if target and target.startswith("/review/") and "//" not in target:
        return target
    return fallback


# seconds a worker may show tab badges it counted for someone else (see review_queue)
COUNTS_MAX_AGE = 5.0


@bp.after_request
def _forget_counts_after_changes(response: Response) -> Response:
    if request.method == "POST":
        review_queue.forget_counts()
    return response


@bp.route("/matches")
@staff_required
def queue() -> str:
    s = db.session()
    settings = runtime.settings()
    f = review_queue.QueueFilter.from_params(request.args)
    tabs = review_queue.counts_by_tab(s, settings.match_stuck_days, max_age=COUNTS_MAX_AGE)
    result = review_queue.page(s, f, current_user.id, settings.match_stuck_days, tab_counts=tabs)
    return render_template(
        "review/queue.html",
        f=f,
        result=result,
        tabs=tabs,
        staff=_staff(s),
        checks={m.id: _checks(m) for m in result.matches},
        reject_reasons=REJECT_REASONS,
        fields=review_queue.need_values(s, "field"),
        regions=review_queue.need_values(s, "region"),
        stuck_days=settings.match_stuck_days,
        quiet_days=review_queue.QUIET_DAYS,
    )


@bp.route("/matches/export.xlsx")
@staff_required
def export() -> Response:
    from openpyxl import Workbook

    s = db.session()
    f = review_queue.QueueFilter.from_params(request.args)
    rows = review_queue.export_rows(
        s, f, current_user.id, runtime.settings().match_stuck_days, EXPORT_LIMIT
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Matches"))
    sheet.append(
        [
            _("Match"),
            _("Score"),
            _("State"),
            _("Technology need"),
            _("Enterprise"),
            _("Achievement or expert"),
            _("Holder"),
            _("Field"),
            _("Region"),
            _("Assigned to"),
            _("Created"),
            _("Contract value (×10k CNY)"),
        ]
    )
    for match in rows:
        need, achievement, expert = match.need, match.achievement, match.expert
        if expert is not None:  # the other side's name and organisation, whichever it is
            other, holder = expert.name, expert.organisation_name
        else:
            other = achievement.title
            holder = achievement.organisation.name if achievement.organisation else ""
        sheet.append(
            [
                match.id,
                round(match.score, 3),
                match_state_label(match.state),
                safe_cell(need.title),
                safe_cell(need.organisation.name if need.organisation else ""),
                safe_cell(other),
                safe_cell(holder),
                term_label(taxonomy.FIELDS, need.field),
                need.region or "",
                safe_cell(match.assignee.name if match.assignee else ""),
                local_date(match.created_at),
                float(match.contract_value) if match.contract_value is not None else None,
            ]
        )
    return send_xlsx(workbook, f"matches-{date.today():%Y%m%d}.xlsx")


def _checks(match: Match) -> list[dict[str, str]]:
    stored = (match.explanation or {}).get("checks") or []
    if match.achievement is None:  # an expert's match: its checks as the matcher stored them
        return [{"name": str(c.get("name")), "result": str(c.get("result"))} for c in stored]
    return shown_checks(stored, match.achievement, match.need)


def _load(match_id: int) -> Match:
    match = db.session().get(Match, match_id)
    if match is None:
        abort(404)
    return match


@bp.route("/matches/<int:match_id>")
@staff_required
def card(match_id: int) -> str:
    s = db.session()
    match = _load(match_id)
    explanation = match.explanation or {}
    staff = _staff(s)
    return render_template(
        "review/card.html",
        match=match,
        need=match.need,
        achievement=match.achievement,
        expert=match.expert,
        terms=explanation.get("shared_terms") or [],
        sentences=explanation.get("sentences") or {},
        checks=_checks(match),
        targets=pipeline.allowed_targets(match.state),
        reject_reasons=REJECT_REASONS,
        drop_reasons=pipeline.DROP_REASONS,
        staff=staff,
        next_id=review_queue.next_proposed_id(s, match),
        history=match.events,
        assignee_names={u.id: u.name for u in staff},
        today=date.today().isoformat(),
    )


def _decide(s: Any, match: Match, form: Any) -> int:
    """Apply one decision; returns how many other proposals of the need were re-ranked."""
    target = MatchState(form.get("target"))
    signed_on = None
    if form.get("signed_on"):
        try:
            signed_on = date.fromisoformat(form["signed_on"])
        except ValueError:
            raise OperationError("bad_date") from None
    decided = pipeline.decide(
        s,
        current_user,
        match,
        pipeline.Decision(
            target=target,
            expected_version=_version(form.get("version")),
            reason=form.get("reason") or None,
            note=form.get("note"),
            contract_value=form.get("contract_value"),
            signed_on=signed_on,
        ),
    )
    return decided.reranked


def _conflict_message() -> str:
    return _(
        "Someone else changed this match while you were looking at it. "
        "It has been reloaded: please check and decide again."
    )


def _explain(error: OperationError | None) -> None:
    """A conflict has its own message (the card shows the match as it is now)."""
    if isinstance(error, pipeline.Conflict):
        flash(_conflict_message(), "error")
    elif error is not None:
        flash(message_for(error), "error")


@bp.route("/matches/<int:match_id>/decide", methods=["POST"])
@staff_required
def decide(match_id: int) -> Response:
    s = db.session()
    match = _load(match_id)
    back = url_for("review.card", match_id=match_id)
    # only an unknown target is refused here: whether a known one is allowed is the pipeline's
    # rule, checked after the version (a colleague who decided first is a conflict, not a refusal)
    if request.form.get("target") not in {t.value for t in MatchState}:
        flash(message_for(OperationError("transition_not_allowed")), "error")
        return redirect(back)
    with committing(flash_error=False) as outcome:
        reranked = _decide(s, match, request.form)
    if not outcome.ok:
        _explain(outcome.error)
        return redirect(back)
    flash(_("Saved: %(state)s.", state=match_state_label(match.state)), "success")
    if reranked:
        flash(
            ngettext(
                "Your decision re-ranked %(num)d similar proposal for this need.",
                "Your decision re-ranked %(num)d similar proposals for this need.",
                reranked,
            ),
            "info",
        )
    return redirect(_safe_next(request.form.get("next"), back))


@bp.route("/matches/<int:match_id>/assign", methods=["POST"])
@staff_required
def assign(match_id: int) -> Response:
    s = db.session()
    match = _load(match_id)
    raw = request.form.get("assignee_id", "")
    number = whole_number(raw)
    assignee = s.get(User, number) if number is not None else None
    if number is not None and assignee is None:
        abort(400)
    with committing(_("Assignment saved."), flash_error=False) as outcome:
        pipeline.assign(s, current_user, match, assignee, _version(request.form.get("version")))
    _explain(outcome.error)
    return redirect(url_for("review.card", match_id=match_id))


@bp.route("/matches/<int:match_id>/note", methods=["POST"])
@staff_required
def note(match_id: int) -> Response:
    s = db.session()
    match = _load(match_id)
    with committing(_("Note added.")):
        pipeline.add_note(s, current_user, match, request.form.get("note", ""))
    return redirect(url_for("review.card", match_id=match_id) + "#history")


@bp.route("/matches/bulk", methods=["POST"])
@staff_required
def bulk() -> Response:
    s = db.session()
    action = request.form.get("action")
    back = _safe_next(request.form.get("next"), url_for("review.queue"))
    ids = [n for i in request.form.getlist("ids") if (n := whole_number(i)) is not None][:200]
    if action not in BULK_ACTIONS or not ids:
        flash(_("Select at least one match and an action."), "error")
        return redirect(back)
    # each match with the version the reader saw
    seen = [(s.get(Match, i), _version(request.form.get(f"version-{i}"))) for i in ids]
    if action == "assign":
        raw = request.form.get("assignee_id", "")
        number = whole_number(raw)
        assignee = s.get(User, number) if number is not None else None
        batch = pipeline.assign_each(s, current_user, seen, assignee)
    else:
        target = MatchState.APPROVED if action == "approve" else MatchState.REJECTED
        reason, note = request.form.get("reason") or None, request.form.get("note")
        decisions = [
            (match, pipeline.Decision(target, version, reason=reason, note=note))
            for match, version in seen
        ]
        batch = pipeline.decide_each(s, current_user, decisions)
    s.commit()
    if batch.done:
        flash(ngettext("%(num)d match updated.", "%(num)d matches updated.", batch.done), "success")
    if batch.failed:
        flash(
            ngettext(
                "%(num)d match was not changed: it was changed by someone else or the action "
                "does not apply (for a rejection, choose a reason).",
                "%(num)d matches were not changed: they were changed by someone else or the "
                "action does not apply (for a rejection, choose a reason).",
                batch.failed,
            ),
            "error",
        )
    if batch.reranked:
        flash(
            ngettext(
                "Your decisions re-ranked %(num)d similar proposal.",
                "Your decisions re-ranked %(num)d similar proposals.",
                batch.reranked,
            ),
            "info",
        )
    return redirect(back)
