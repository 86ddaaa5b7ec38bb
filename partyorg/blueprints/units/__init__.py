from flask import Blueprint

bp = Blueprint("units", __name__)

from . import views  # noqa: E402,F401
