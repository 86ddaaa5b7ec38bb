from flask_login import login_required

from . import bp


@bp.route("/accounts")
@bp.route("/c/<int:cid>/accounts")
@login_required
def index(cid=None):
    return "TODO"
