from flask import Blueprint

bp = Blueprint("conversations", __name__, url_prefix="/threads")

from web.conversations import views  # noqa: E402, F401
