from flask_login import login_required

from . import bp


@bp.route("/c/<int:cid>/units")
@login_required
def index(cid):
    return "TODO"


@bp.route("/c/<int:cid>/units/<int:uid>")
@login_required
def show(cid, uid):
    return "TODO"
