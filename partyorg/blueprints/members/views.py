from flask_login import login_required

from . import bp


@bp.route("/c/<int:cid>/members")
@login_required
def index(cid):
    return "TODO"
