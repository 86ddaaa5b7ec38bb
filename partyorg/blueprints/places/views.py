from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import permissions as perm
from ...domain import places
from ...extensions import db
from ...models import Building, Community, Grid, GridOfficer
from ...permissions import require
from ..common import form_data, get_in_community, save
from . import bp
from .forms import (
    BuildingEditForm,
    BuildingFilterForm,
    BuildingForm,
    GridEditForm,
    GridForm,
    OfficerForm,
    StairUnitsForm,
)

#: Filter value for buildings not yet placed in a grid.
NO_GRID = -1


def _community(cid: int) -> Community:
    return db.get_or_404(Community, cid)


def _page(stmt):
    return db.paginate(
        stmt, page=request.args.get("page", 1, type=int), per_page=current_app.config["PER_PAGE"], error_out=False
    )


def _grid_choices(cid: int, blank: tuple[int, str]) -> list[tuple[int, str]]:
    grids = db.session.execute(select(Grid.id, Grid.name).where(Grid.community_id == cid).order_by(Grid.name)).all()
    return [blank] + [(g.id, g.name) for g in grids]


# --- grids -----------------------------------------------------------------------------

@bp.route("/c/<int:cid>/grids")
@login_required
def grids(cid):
    require(perm.can_view_community(current_user, cid))
    community = _community(cid)
    page = _page(select(Grid).where(Grid.community_id == cid).order_by(Grid.name))
    return render_template(
        "places/grids.html", community=community, page=page,
        counts=places.grid_counts([g.id for g in page.items]),
        can_manage=perm.can_manage_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/grids/new", methods=["GET", "POST"])
@login_required
def grid_new(cid):
    require(perm.can_manage_community(current_user, cid))
    community = _community(cid)
    form = GridForm()
    if form.validate_on_submit():
        data = form_data(form, "name", "area")
        created = []
        if save(form, lambda: created.append(places.create_grid(current_user, cid, **data))):
            flash(f"已新建网格“{created[0].name}”。", "success")
            return redirect(url_for(".grid_show", cid=cid, gid=created[0].id))
    return render_template(
        "places/form.html", community=community, form=form, title="新建网格", cancel_url=url_for(".grids", cid=cid)
    )


@bp.route("/c/<int:cid>/grids/<int:gid>")
@login_required
def grid_show(cid, gid):
    require(perm.can_view_community(current_user, cid))
    grid = get_in_community(Grid, gid, cid)
    buildings = db.session.scalars(
        select(Building).where(Building.grid_id == grid.id).order_by(Building.name)
    ).all()
    return render_template(
        "places/grid_show.html", grid=grid, officers=grid.officers, buildings=buildings,
        unit_counts=places.stair_unit_counts([b.id for b in buildings]),
        can_manage=perm.can_manage_community(current_user, cid),
        show_phones=perm.can_see_officer_phones(current_user, cid),
    )


@bp.route("/c/<int:cid>/grids/<int:gid>/edit", methods=["GET", "POST"])
@login_required
def grid_edit(cid, gid):
    require(perm.can_manage_community(current_user, cid))
    grid = get_in_community(Grid, gid, cid)
    form = GridEditForm(obj=grid)
    if form.validate_on_submit():
        data = form_data(form, "name", "area")
        if save(form, lambda: places.update_grid(current_user, grid, data, form.version.data)):
            flash("网格信息已保存。", "success")
            return redirect(url_for(".grid_show", cid=cid, gid=gid))
    return render_template(
        "places/form.html", community=grid.community, form=form, title=f"编辑网格：{grid.name}",
        cancel_url=url_for(".grid_show", cid=cid, gid=gid),
    )


@bp.route("/c/<int:cid>/grids/<int:gid>/officers/new", methods=["GET", "POST"])
@login_required
def grid_officer_new(cid, gid):
    require(perm.can_manage_community(current_user, cid))
    grid = get_in_community(Grid, gid, cid)
    form = OfficerForm()
    if form.validate_on_submit():
        data = form_data(form, "name", "phone")
        if save(form, lambda: places.add_officer(current_user, grid, **data)):
            flash(f"已为{grid.name}添加网格信息员“{data['name']}”。", "success")
            return redirect(url_for(".grid_show", cid=cid, gid=gid))
    return render_template(
        "places/form.html", community=grid.community, form=form, title=f"添加网格信息员：{grid.name}",
        cancel_url=url_for(".grid_show", cid=cid, gid=gid), submit_label="添加",
    )


@bp.route("/c/<int:cid>/grids/<int:gid>/officers/<int:oid>/remove", methods=["POST"])
@login_required
def grid_officer_remove(cid, gid, oid):
    require(perm.can_manage_community(current_user, cid))
    grid = get_in_community(Grid, gid, cid)
    officer = db.session.get(GridOfficer, oid)
    if officer is None or officer.grid_id != grid.id:
        abort(404)
    name = officer.name
    if save(None, lambda: places.remove_officer(current_user, officer)):
        flash(f"已将“{name}”从{grid.name}的信息员名单中移出。", "success")
    return redirect(url_for(".grid_show", cid=cid, gid=gid))


# --- buildings -------------------------------------------------------------------------

@bp.route("/c/<int:cid>/buildings")
@login_required
def buildings(cid):
    require(perm.can_view_community(current_user, cid))
    community = _community(cid)
    search = BuildingFilterForm(formdata=request.args)
    search.grid.choices = _grid_choices(cid, (0, "全部网格")) + [(NO_GRID, "未划入网格")]
    stmt = select(Building).where(Building.community_id == cid).options(joinedload(Building.grid))
    if search.grid.data == NO_GRID:
        stmt = stmt.where(Building.grid_id.is_(None))
    elif search.grid.data:
        stmt = stmt.where(Building.grid_id == search.grid.data)
    query = (search.q.data or "").strip()[:50]
    if query:
        stmt = stmt.where(Building.name.contains(query, autoescape=True))
    page = _page(stmt.order_by(Building.name))
    return render_template(
        "places/buildings.html", community=community, page=page, search=search, filtered=bool(query or search.grid.data),
        unit_counts=places.stair_unit_counts([b.id for b in page.items]),
        can_manage=perm.can_manage_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/buildings/new", methods=["GET", "POST"])
@login_required
def building_new(cid):
    require(perm.can_manage_community(current_user, cid))
    community = _community(cid)
    form = BuildingForm(grid_id=request.args.get("grid", 0, type=int))
    form.grid_id.choices = _grid_choices(cid, (0, "—"))
    if form.validate_on_submit():
        data = form_data(form, "name", "grid_id", "address", "floors")
        data["grid_id"] = data["grid_id"] or None
        created = []
        if save(form, lambda: created.append(places.create_building(current_user, cid, **data))):
            flash(f"已新建楼栋“{created[0].name}”。可在楼栋页面添加单元。", "success")
            return redirect(url_for(".building_show", cid=cid, bid=created[0].id))
    return render_template(
        "places/form.html", community=community, form=form, title="新建楼栋", cancel_url=url_for(".buildings", cid=cid)
    )


def _render_building(building: Building, units_form: StairUnitsForm):
    cid = building.community_id
    return render_template(
        "places/building_show.html", building=building, units_form=units_form,
        members=places.members_per_stair_unit(building.id),
        branches=places.building_branches(building.id),
        can_manage=perm.can_manage_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/buildings/<int:bid>")
@login_required
def building_show(cid, bid):
    require(perm.can_view_community(current_user, cid))
    building = get_in_community(Building, bid, cid)
    return _render_building(building, StairUnitsForm(formdata=None))


@bp.route("/c/<int:cid>/buildings/<int:bid>/edit", methods=["GET", "POST"])
@login_required
def building_edit(cid, bid):
    require(perm.can_manage_community(current_user, cid))
    building = get_in_community(Building, bid, cid)
    form = BuildingEditForm(obj=building)
    form.grid_id.choices = _grid_choices(cid, (0, "—"))
    if request.method == "GET" and building.grid_id is None:
        form.grid_id.data = 0
    if form.validate_on_submit():
        data = form_data(form, "name", "grid_id", "address", "floors")
        data["grid_id"] = data["grid_id"] or None
        if save(form, lambda: places.update_building(current_user, building, data, form.version.data)):
            flash("楼栋信息已保存。", "success")
            return redirect(url_for(".building_show", cid=cid, bid=bid))
    return render_template(
        "places/form.html", community=building.community, form=form, title=f"编辑楼栋：{building.name}",
        cancel_url=url_for(".building_show", cid=cid, bid=bid),
    )


@bp.route("/c/<int:cid>/buildings/<int:bid>/stair-units", methods=["POST"])
@login_required
def building_stair_units(cid, bid):
    require(perm.can_manage_community(current_user, cid))
    building = get_in_community(Building, bid, cid)
    form = StairUnitsForm()
    if form.validate_on_submit():
        created = []

        def add():
            created.extend(places.add_stair_units(current_user, building, form.count.data, form.names.data))

        if save(form, add):
            flash(f"已新增{len(created)}个单元：{'、'.join(u.name for u in created)}。", "success")
            return redirect(url_for(".building_show", cid=cid, bid=bid))
    # The building may have been expired by the rollback; load it again for the page.
    building = get_in_community(Building, bid, cid)
    return _render_building(building, form)
