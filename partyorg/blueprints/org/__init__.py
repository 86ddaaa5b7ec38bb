from flask import Blueprint

bp = Blueprint("org", __name__)

from . import views  # noqa: E402,F401
