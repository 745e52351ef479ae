"""The JSON a progress bar polls (static/js/jobs.js)."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from matchmaker.models import Job
from web.messages import job_state_label


def job_json(job: Job, *, show_error: bool) -> Response:
    return jsonify(
        id=job.id,
        state=str(job.state),
        state_label=job_state_label(job.state),
        done=job.done,
        total=job.total,
        percent=job.percent,
        error=job.error if show_error else None,
        result=job.result if show_error else None,
        confirmed=bool(job.params.get("confirmed")),
    )
