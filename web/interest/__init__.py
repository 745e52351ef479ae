from flask import Blueprint

bp = Blueprint("interest", __name__, url_prefix="/interest")

from web.interest import views  # noqa: E402, F401
