from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")

from web.review import dashboard, views  # noqa: E402, F401
