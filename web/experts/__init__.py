from flask import Blueprint

bp = Blueprint("experts", __name__, url_prefix="/experts")

from web.experts import teams, views  # noqa: E402, F401
