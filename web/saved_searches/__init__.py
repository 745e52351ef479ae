from flask import Blueprint

bp = Blueprint("saved_searches", __name__)

from web.saved_searches import views  # noqa: E402, F401
