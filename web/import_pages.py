"""What the bulk import pages of achievements and experts share: reading the upload into a
preview job, naming each refused cell's problem, and the downloadable report."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.importing.tables import TableError, safe_cell
from matchmaker.models import Job, User
from web import db
from web.committing import committing
from web.downloads import send_xlsx
from web.i18n import current_locale
from web.messages import message_for

Columns = Sequence[tuple[str, str, str, bool]]  # key, Chinese header, English header, required
Preview = Callable[[Any, User, bytes, str], Job]  # (session, actor, data, filename)


def column_label(columns: Columns, key: str) -> str:
    for column, zh, en, _required in columns:
        if column == key:
            return zh if current_locale() == "zh" else en
    return key


def row_problems(row: dict[str, Any], columns: Columns, errors: Mapping[str, Any]) -> list[str]:
    """Each error of a refused row as a person reads it: column, problem, the cell's text."""
    bad = row.get("bad") or {}
    problems = []
    for column, code in row["errors"]:
        text = _(
            "%(column)s: %(problem)s",
            column=column_label(columns, column),
            problem=errors.get(code, code),
        )
        if bad.get(column):
            text += _(" (“%(value)s”)", value=bad[column])
        problems.append(text)
    return problems


def upload_page(form: Any, preview: Preview, job_endpoint: str, template: str) -> str | Response:
    """The upload form; a readable file becomes a preview job (its page next), an unreadable
    one a message on the same page with nothing written."""
    if form.validate_on_submit():
        upload = form.table.data
        try:
            with committing() as outcome:
                job = preview(db.session(), current_user, upload.read(), upload.filename or "")
        except TableError as exc:
            flash(message_for(exc), "error")  # type: ignore[arg-type]
        else:
            if outcome.ok:
                return redirect(url_for(job_endpoint, job_id=job.id))
    return render_template(template, form=form)


def report(
    rows: list[dict[str, Any]],
    name: tuple[str, str],  # the row's key and its column header
    problems: Callable[[dict[str, Any]], list[str]],
    imported: str,
    filename: str,
) -> Response:
    """The import's report as a workbook: row, name, what became of it."""
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.append([_("Row"), name[1], _("Result")])
    for row in rows:
        if row["status"] == "refused":
            result = _("not imported: ") + "; ".join(problems(row))
        else:
            result = imported if row["status"] == "imported" else _("not yet imported")
        ws.append([row["row"], safe_cell(row[name[0]]), safe_cell(result)])
    return send_xlsx(workbook, filename)
