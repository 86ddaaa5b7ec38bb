from flask import Blueprint

bp = Blueprint("activities", __name__)

from . import views  # noqa: F401
