from flask import Blueprint

bp = Blueprint("experts", __name__, url_prefix="/experts")

from web.experts import imports, teams, views  # noqa: E402, F401
