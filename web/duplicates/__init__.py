from flask import Blueprint

bp = Blueprint("duplicates", __name__)

from web.duplicates import views  # noqa: E402, F401
