from flask import Blueprint

bp = Blueprint("places", __name__)

from . import views  # noqa: E402,F401
