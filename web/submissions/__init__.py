from flask import Blueprint

bp = Blueprint("submissions", __name__, url_prefix="/my")

from web.submissions import views  # noqa: E402,F401
