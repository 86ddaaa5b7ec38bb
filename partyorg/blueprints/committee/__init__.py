from flask import Blueprint

bp = Blueprint("committee", __name__)

from . import views  # noqa: E402,F401
