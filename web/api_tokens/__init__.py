"""The page where signed-in users manage their personal API tokens."""

from flask import Blueprint

bp = Blueprint("api_tokens", __name__, url_prefix="/my/api-tokens")

from web.api_tokens import views  # noqa: E402, F401
