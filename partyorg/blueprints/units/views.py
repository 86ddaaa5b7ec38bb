from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ... import permissions as perm
from ...domain import units as unit_rules
from ...extensions import db
from ...models import Branch, Community, ResidentUnit, Role, UnitKind, User
from ..common import form_data, form_version, get_in_community, save
from . import bp
from .forms import UnitForm, UnitSearchForm


def _community(cid: int) -> Community:
    return db.get_or_404(Community, cid)



@bp.route("/c/<int:cid>/units")
@login_required
def index(cid):
    perm.require(perm.can_view_community(current_user, cid))
    community = _community(cid)
    search = UnitSearchForm(request.args)
    query = select(ResidentUnit).where(ResidentUnit.community_id == cid)
    kind = request.args.get("kind", "")
    if kind in {k.value for k in UnitKind}:
        query = query.where(ResidentUnit.kind == UnitKind(kind))
    q = (request.args.get("q") or "").strip()[:100]
    if q:
        query = query.where(ResidentUnit.name.contains(q, autoescape=True))
    page = db.paginate(
        query.order_by(ResidentUnit.name),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    today = date.today()
    alerts = {u.id: unit_rules.agreement_alert(u, today) for u in page.items}
    return render_template(
        "units/index.html",
        community=community,
        page=page,
        alerts=alerts,
        search=search,
        filtered=bool(q or kind),
        can_manage=perm.can_manage_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/units/new", methods=["GET", "POST"])
@login_required
def new(cid):
    perm.require(perm.can_manage_community(current_user, cid))
    community = _community(cid)
    form = UnitForm()
    if form.validate_on_submit():
        created = {}

        def action():
            created["unit"] = unit_rules.create_unit(current_user, cid, form_data(form, *unit_rules.FIELDS))

        if save(form, action):
            flash(f"已登记驻区单位“{created['unit'].name}”。", "success")
            return redirect(url_for("units.show", cid=cid, uid=created["unit"].id))
    return render_template("units/form.html", community=community, form=form, unit=None)


@bp.route("/c/<int:cid>/units/<int:uid>")
@login_required
def show(cid, uid):
    unit = get_in_community(ResidentUnit, uid, cid)
    perm.require(perm.can_view_unit(current_user, unit))
    branches = db.session.scalars(
        select(Branch).where(Branch.community_id == cid, Branch.resident_unit_id == unit.id).order_by(Branch.name)
    ).all()
    liaisons = None
    if perm.can_manage_accounts(current_user, cid):
        liaisons = db.session.scalars(
            select(User)
            .where(User.role == Role.LIAISON, User.resident_unit_id == unit.id)
            .order_by(User.display_name)
        ).all()
    return render_template(
        "units/show.html",
        unit=unit,
        branches=branches,
        liaisons=liaisons,
        reporting=unit_rules.reporting_members(unit),
        alert=unit_rules.agreement_alert(unit, date.today()),
        can_manage=perm.can_manage_community(current_user, cid),
        can_list=perm.can_view_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/units/<int:uid>/edit", methods=["GET", "POST"])
@login_required
def edit(cid, uid):
    perm.require(perm.can_manage_community(current_user, cid))
    unit = get_in_community(ResidentUnit, uid, cid)
    form = UnitForm(obj=unit)
    if request.method == "GET":
        form.kind.data = unit.kind.value
        form.version.data = unit.version
    if form.validate_on_submit():
        data = form_data(form, *unit_rules.FIELDS)
        if save(form, lambda: unit_rules.update_unit(current_user, unit, data, form_version(form))):
            flash("驻区单位信息已保存。", "success")
            return redirect(url_for("units.show", cid=cid, uid=unit.id))
    return render_template("units/form.html", community=unit.community, form=form, unit=unit)
