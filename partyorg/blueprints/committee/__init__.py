from flask import Blueprint

bp = Blueprint("committee", __name__)

from . import views  # noqa: F401
