from flask_login import login_required

from . import bp


@bp.route("/communities")
@login_required
def index():
    return "TODO"


@bp.route("/communities/new")
@login_required
def new():
    return "TODO"


@bp.route("/c/<int:cid>")
@login_required
def show(cid):
    return "TODO"
