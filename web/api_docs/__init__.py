"""The API documentation page, rendered from the OpenAPI document (no JavaScript needed)."""

from flask import Blueprint

bp = Blueprint("api_docs", __name__)

from web.api_docs import views  # noqa: E402, F401
