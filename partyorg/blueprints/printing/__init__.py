"""Printouts: rosters (花名册), record cards and the resident-unit list as PDF downloads."""
from flask import Blueprint

bp = Blueprint("printing", __name__)

from . import views  # noqa: F401
