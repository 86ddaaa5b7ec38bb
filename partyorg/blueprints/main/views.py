from datetime import date

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ...domain import stats
from ...extensions import db
from ...models import Role
from . import bp


@bp.route("/")
@login_required
def index():
    u = current_user
    if u.role == Role.BRANCH_SECRETARY and u.branch_id:
        return redirect(url_for("org.branch_show", cid=u.community_id, bid=u.branch_id))
    if u.role == Role.LIAISON and u.resident_unit_id:
        return redirect(url_for("activities.index", cid=u.community_id))
    if u.role == Role.DISTRICT:
        return render_template("main/district.html", rows=stats.district_overview())
    return render_template(
        "main/home.html",
        counts=stats.community_counts(u.community_id),
        todo=stats.todo_counts(u.community_id, date.today()),
        community=u.community,
    )


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "unhealthy"
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
