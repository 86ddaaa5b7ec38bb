from flask_login import login_required

from . import bp


@bp.route("/c/<int:cid>/grids")
@login_required
def grids(cid):
    return "TODO"


@bp.route("/c/<int:cid>/buildings")
@login_required
def buildings(cid):
    return "TODO"
