from flask_login import login_required

from . import bp


@bp.route("/c/<int:cid>/branches")
@login_required
def branches(cid):
    return "TODO"


@bp.route("/c/<int:cid>/branches/<int:bid>")
@login_required
def branch_show(cid, bid):
    return "TODO"
