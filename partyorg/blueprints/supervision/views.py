from flask_login import login_required

from . import bp


@bp.route("/c/<int:cid>/todo")
@login_required
def todo(cid):
    return "TODO"
