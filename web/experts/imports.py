"""Bulk import of an expert list (staff): template, upload and preview, confirm, report —
the achievement import's pages and rules (web/submissions/imports.py)."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import runtime
from matchmaker.importing import experts as sheet
from matchmaker.models import Job
from web import db, import_pages
from web.access import staff_required
from web.committing import committing
from web.downloads import send_xlsx
from web.experts import bp
from web.submissions.imports import ROW_ERRORS, UploadForm

EXPERT_ROW_ERRORS = {
    **ROW_ERRORS,
    "unknown_offer": _l("unknown service offered"),
    "unknown_availability": _l("unknown availability"),
    "expert_email_taken": _l("an expert profile with this e-mail address already exists"),
    "email_invalid": _l("not a valid e-mail address"),
}


def column_label(key: str) -> str:
    return import_pages.column_label(sheet.COLUMNS, key)


def row_problems(row: dict[str, Any]) -> list[str]:
    return import_pages.row_problems(row, sheet.COLUMNS, EXPERT_ROW_ERRORS)


def _own_job(job_id: int) -> Job:
    job = db.session().get(Job, job_id)
    if job is None or job.kind != sheet.KIND or job.created_by_id != current_user.id:
        abort(404)
    return job


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_upload() -> str | Response:
    return import_pages.upload_page(
        UploadForm(), sheet.preview, "experts.import_job", "experts/import_upload.html"
    )


@bp.route("/import/template.xlsx")
@staff_required
def import_template() -> Response:
    return send_xlsx(sheet.template_workbook(), "experts-template.xlsx")


@bp.route("/import/<int:job_id>")
@staff_required
def import_job(job_id: int) -> str:
    job = _own_job(job_id)
    return render_template(
        "experts/import_job.html",
        job=job,
        rows=sheet.report_rows(job),
        row_problems=row_problems,
        column_label=column_label,
    )


@bp.route("/import/<int:job_id>/confirm", methods=["POST"])
@staff_required
def import_confirm(job_id: int) -> Response:
    job = _own_job(job_id)
    with committing(_("Import finished: the experts were invited.")):
        sheet.run(db.session(), current_user, job, secret=runtime.settings().secret_key)
    return redirect(url_for("experts.import_job", job_id=job.id))


@bp.route("/import/<int:job_id>/report.xlsx")
@staff_required
def import_report(job_id: int) -> Response:
    job = _own_job(job_id)
    return import_pages.report(
        sheet.report_rows(job),
        ("name", _("Name")),
        row_problems,
        _("invited"),
        f"experts-import-{job.id}-report.xlsx",
    )
