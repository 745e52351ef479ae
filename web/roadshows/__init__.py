from flask import Blueprint

bp = Blueprint("roadshows", __name__, url_prefix="/roadshows")

from web.roadshows import (  # noqa: E402, F401
    desk,
    participant,
    public,
    report,
    schedule,
    staff,
)
