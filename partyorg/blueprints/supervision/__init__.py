from flask import Blueprint

from ...domain.workflow import period_label

bp = Blueprint("supervision", __name__)
#: 2026年第三季度 etc., for the step titles on any page that includes the plan partial.
bp.add_app_template_global(period_label, "period_label")

from . import views  # noqa: F401
