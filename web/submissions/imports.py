"""Bulk import pages: template, upload and preview, confirm, progress and report."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import BooleanField

from matchmaker.core import jobs
from matchmaker.importing import achievements as sheet
from matchmaker.importing import operations as importing
from matchmaker.models import Job, Role
from web import db, import_pages
from web.access import roles_required
from web.downloads import send_xlsx
from web.jobs import job_json
from web.submissions import bp

ROW_ERRORS = {
    "missing": _l("required but empty"),
    "too_long": _l("too long"),
    "unknown_field": _l("unknown field"),
    "bad_trl": _l("must be a whole number from 1 to 9"),
    "bad_price": _l("not a valid amount in 10k CNY (0 to 1,000,000)"),
    "price_order": _l("upper limit below lower limit"),
    "unknown_mode": _l("unknown cooperation mode"),
    "unknown_ip_type": _l("unknown type of intellectual property"),
    "unknown_region": _l("unknown region"),
    "example_row": _l("this is the template's example row: delete it or replace it with yours"),
}


class UploadForm(FlaskForm):
    table = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    submit_for_review = BooleanField(
        _l("Submit all imported achievements for review"), default=True
    )


def column_label(key: str) -> str:
    return import_pages.column_label(sheet.COLUMNS, key)


def row_problems(row: dict[str, Any]) -> list[str]:
    return import_pages.row_problems(row, sheet.COLUMNS, ROW_ERRORS)


def _own_job(job_id: int) -> Job:
    job = db.session().get(Job, job_id)
    if job is None or job.kind != importing.KIND or job.created_by_id != current_user.id:
        abort(404)
    return job


@bp.route("/achievement/import", methods=["GET", "POST"])
@roles_required(Role.RESEARCHER)
def import_upload() -> str | Response:
    return import_pages.upload_page(
        UploadForm(), importing.preview, "submissions.import_job", "submissions/import_upload.html"
    )


@bp.route("/achievement/import/template.xlsx")
@roles_required(Role.RESEARCHER)
def import_template() -> Response:
    return send_xlsx(sheet.template_workbook(), "achievements-template.xlsx")


@bp.route("/achievement/import/<int:job_id>")
@roles_required(Role.RESEARCHER)
def import_job(job_id: int) -> str:
    job = _own_job(job_id)
    return render_template(
        "submissions/import_job.html",
        job=job,
        confirm_form=ConfirmForm(),
        row_problems=row_problems,
        column_label=column_label,
    )


@bp.route("/achievement/import/<int:job_id>/confirm", methods=["POST"])
@roles_required(Role.RESEARCHER)
def import_confirm(job_id: int) -> Response:
    job = _own_job(job_id)
    form = ConfirmForm()
    s = db.session()
    if job.params.get("confirmed"):
        return redirect(url_for("submissions.import_job", job_id=job.id))
    importing.confirm(s, current_user, job, bool(form.submit_for_review.data))
    s.commit()
    jobs.send(job)
    flash(_("Import started. You can leave this page; the import goes on."), "info")
    return redirect(url_for("submissions.import_job", job_id=job.id))


@bp.route("/achievement/import/<int:job_id>/report.xlsx")
@roles_required(Role.RESEARCHER)
def import_report(job_id: int) -> Response:
    job = _own_job(job_id)
    return import_pages.report(
        importing.report_rows(job),
        ("title", _("Title")),
        row_problems,
        _("imported"),
        f"import-{job.id}-report.xlsx",
    )


@bp.route("/jobs/<int:job_id>.json")
@roles_required(Role.RESEARCHER, Role.ENTERPRISE, Role.STAFF, Role.ADMIN)
def job_status(job_id: int) -> Response:
    job = db.session().get(Job, job_id)
    if job is None or (job.created_by_id != current_user.id and not current_user.is_staff):
        abort(404)
    return job_json(job, show_error=current_user.is_staff)
