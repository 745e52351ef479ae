"""JSON API at /api/v1: token authentication, no cookies, no CSRF; errors are JSON too."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from web.api import (  # noqa: E402, F401
    conversations,
    experts,
    interest,
    listings,
    matches,
    needs_create,
    openapi,
    roadshows,
)
