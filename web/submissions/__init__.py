from flask import Blueprint

bp = Blueprint("submissions", __name__, url_prefix="/my")

from web.submissions import imports, views  # noqa: E402, F401
