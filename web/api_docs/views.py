from __future__ import annotations

from flask import render_template

from web.api import openapi
from web.api_docs import bp


@bp.route("/api/docs")
def index() -> str:
    return render_template("api_docs/index.html", spec=openapi.document())
