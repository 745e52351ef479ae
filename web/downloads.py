"""Excel downloads: every export and template leaves the app through here."""

from __future__ import annotations

import io

from flask import send_file
from openpyxl import Workbook
from werkzeug.wrappers import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_xlsx(workbook: Workbook | bytes, filename: str) -> Response:
    """An attachment from a workbook, or from a workbook already saved to bytes."""
    if isinstance(workbook, bytes):
        buffer = io.BytesIO(workbook)
    else:
        buffer = io.BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=filename, mimetype=XLSX_MIMETYPE)
