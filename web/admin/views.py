from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from indexer.backends import IndexError_
from matchmaker import runtime
from matchmaker.accounts import operations as accounts
from matchmaker.adaptation import operations as adaptation
from matchmaker.core import audit, jobs
from matchmaker.core.errors import ValidationFailed
from matchmaker.models import Job, Role
from matchmaker.search import indexing
from web import db
from web.access import admin_required
from web.admin import adaptation_labels, audit_labels, bp
from web.admin.forms import StaffAccountForm
from web.jobs import job_json
from web.messages import message_for


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> str | Response:
    s = db.session()
    form = StaffAccountForm()
    if form.validate_on_submit():
        try:
            accounts.create_user(
                s,
                form.email.data or "",
                form.password.data or "",
                form.name.data or "",
                Role(form.role.data),
                organisation=current_user.organisation,
                actor=current_user,
            )
        except ValidationFailed as exc:
            s.rollback()
            target = getattr(form, exc.field or "", None)
            if target is not None:
                target.errors = [*target.errors, message_for(exc)]
        else:
            s.commit()
            flash(_("Account created."), "success")
            return redirect(url_for("admin.users"))
    people = accounts.everyone(s)
    return render_template("admin/users.html", people=people, form=form)


@bp.route("/audit")
@admin_required
def audit_log() -> str:
    s = db.session()
    query = audit.AuditQuery(
        actor_id=request.args.get("actor", type=int),
        action=request.args.get("action") or None,
        entity_type=request.args.get("object") or None,
        entity_id=request.args.get("object_id", type=int),
        since=request.args.get("since", type=_day),
        until=request.args.get("until", type=_day),
        page=request.args.get("page", 1, type=int),
    )
    result = audit.search(s, query)
    return render_template(
        "admin/audit.html",
        result=result,
        query=query,
        actors=audit.actors(s),
        people=audit.people(s, result.entries),
        actions=audit.actions(s),
        entity_types=audit.entity_types(s),
        changes=audit.changes,
        labels=audit_labels,
    )


def _day(text: str) -> date:
    return date.fromisoformat(text)  # a ValueError makes request.args.get ignore the filter


@bp.route("/index")
@admin_required
def search_index() -> str:
    s = db.session()
    engine = runtime.search_engine()
    health = engine.index.health() if _model_ready(engine) else {"status": "loading"}
    report = None
    try:
        report = indexing.drift(s, engine)
    except (IndexError_, OSError) as exc:
        health = {"status": "unavailable", "error": str(exc)[:300]}
    recent = jobs.latest(s, ["rebuild_index", "rematch_all"])
    return render_template(
        "admin/index.html",
        health=health,
        report=report,
        recent=recent,
        expected=indexing.count_indexable(s),
    )


def _model_ready(engine) -> bool:  # type: ignore[no-untyped-def]
    try:
        engine.index  # noqa: B018 - opening the index loads the model and checks its id
    except (IndexError_, OSError):
        return False
    return True


def _start_job(kind: str, task: Any, message: str, back: str = "admin.search_index") -> Response:
    """Record a job row, then hand its id to the worker (after the commit, so it exists)."""
    s = db.session()
    job = jobs.create(s, kind, actor=current_user)
    jobs.submit(job, task.name)
    s.commit()
    jobs.send(job)
    flash(message, "info")
    return redirect(url_for(back))


@bp.route("/index/rebuild", methods=["POST"])
@admin_required
def rebuild_index() -> Response:
    from matchmaker.search.tasks import rebuild_index as rebuild_task

    return _start_job(
        "rebuild_index", rebuild_task, _("The index is being rebuilt in the background.")
    )


@bp.route("/rematch", methods=["POST"])
@admin_required
def rematch_all() -> Response:
    from matchmaker.matching.tasks import rematch_all as rematch_task

    return _start_job(
        "rematch_all",
        rematch_task,
        _("Every published need is being re-matched in the background."),
    )


@bp.route("/index/repair", methods=["POST"])
@admin_required
def repair_index() -> Response:
    s = db.session()
    engine = runtime.search_engine()
    fixed = indexing.repair(s, engine, indexing.drift(s, engine))
    flash(_("%(count)s index entries repaired.", count=fixed), "success")
    return redirect(url_for("admin.search_index"))


@bp.route("/jobs/<int:job_id>.json")
@admin_required
def job_status(job_id: int) -> Response:
    job = db.session().get(Job, job_id)
    if job is None:
        abort(404)
    return job_json(job, show_error=True)


@bp.route("/model")
@admin_required
def embedding_model() -> str:
    s = db.session()
    settings = runtime.settings()
    return render_template(
        "admin/model.html",
        model_id=runtime.search_engine().embedder.model_id,  # names the model, loads nothing
        rollback_to=adaptation.rollback_target(settings),
        suggestion=adaptation.suggestion(s),
        running=adaptation.is_running(s),
        runs=adaptation.runs(s),
        growth=int(adaptation.GROWTH_SHARE * 100),
        reason_label=adaptation_labels.reason,
    )


@bp.route("/model/adapt", methods=["POST"])
@admin_required
def adapt_model() -> Response:
    from matchmaker.adaptation.tasks import adapt_model as adapt_task

    if adaptation.is_running(db.session()):
        flash(_("An adaptation or rollback is already running."), "warning")
        return redirect(url_for("admin.embedding_model"))
    return _start_job(
        adaptation.ADAPT_JOB,
        adapt_task,
        _("The model is being adapted to the published listings in the background."),
        back="admin.embedding_model",
    )


@bp.route("/model/rollback", methods=["POST"])
@admin_required
def rollback_model() -> Response:
    from matchmaker.adaptation.tasks import rollback_model as rollback_task

    s = db.session()
    if adaptation.is_running(s) or adaptation.rollback_target(runtime.settings()) is None:
        flash(_("There is no model to roll back to, or a change is already running."), "warning")
        return redirect(url_for("admin.embedding_model"))
    return _start_job(
        adaptation.ROLLBACK_JOB,
        rollback_task,
        _("The previous model is being restored in the background."),
        back="admin.embedding_model",
    )
