from flask import Blueprint

bp = Blueprint("lifecycle", __name__)

from web.lifecycle import duplicates, saved, views  # noqa: E402, F401
