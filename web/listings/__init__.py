from flask import Blueprint

bp = Blueprint("listings", __name__)

from web.listings import renew, views  # noqa: E402, F401
