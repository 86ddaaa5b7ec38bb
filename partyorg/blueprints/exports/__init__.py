"""Excel downloads of the list pages and the members import."""
from flask import Blueprint

bp = Blueprint("exports", __name__)

from . import views  # noqa: F401
