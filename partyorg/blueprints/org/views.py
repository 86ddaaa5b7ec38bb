"""Branches, their party groups and the functional subtypes of one community."""
import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import permissions as perm
from ...domain import branches as rules
from ...extensions import db
from ...models import (
    BUILTIN_SUBTYPES,
    Branch,
    BranchKind,
    BranchSubtype,
    Building,
    Community,
    Member,
    MemberStatus,
    OrgStatus,
    PartyGroup,
    ResidentUnit,
    Role,
    StairUnit,
)
from ...forms import BLANK_INT, BLANK_STR
from ..common import form_data, get_in_community, save
from . import bp
from .forms import (
    BranchEditForm,
    BranchFilterForm,
    BranchNewForm,
    DissolveForm,
    GroupEditForm,
    GroupForm,
    SubtypeForm,
)

#: Members listed on a branch page; the full list is on the member pages.
BRANCH_PAGE_MEMBERS = 50

_KIND_ORDER = sa.case({k: i for i, k in enumerate(BranchKind)}, value=Branch.kind)


def _may_enter(cid: int) -> bool:
    """Community viewers, or a branch secretary of this community (his own branch is checked after loading)."""
    u = current_user
    return perm.can_view_community(u, cid) or (u.role == Role.BRANCH_SECRETARY and u.community_id == cid)


def _may_manage_some_groups(cid: int) -> bool:
    u = current_user
    return perm.can_manage_community(u, cid) or (u.role == Role.BRANCH_SECRETARY and u.community_id == cid)


# --- choices ---------------------------------------------------------------------------

def _member_choices(*where) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Member.id, Member.name).where(Member.status == MemberStatus.ACTIVE, *where).order_by(Member.name, Member.id)
    )
    return [BLANK_INT] + [(mid, name) for mid, name in rows]


def _fill_branch_choices(form, cid: int) -> None:
    form.building_id.choices = [BLANK_INT] + [
        (b.id, b.name) for b in db.session.scalars(select(Building).where(Building.community_id == cid).order_by(Building.name))
    ]
    form.subtype.choices = [BLANK_STR] + [(n, n) for n in rules.subtype_names(cid)]
    form.resident_unit_id.choices = [BLANK_INT] + [
        (u.id, u.name)
        for u in db.session.scalars(select(ResidentUnit).where(ResidentUnit.community_id == cid).order_by(ResidentUnit.name))
    ]
    form.secretary_id.choices = _member_choices(Member.community_id == cid)


def _fill_group_choices(form, branch: Branch) -> None:
    units = []
    if branch.building_id:
        units = db.session.scalars(
            select(StairUnit).where(StairUnit.building_id == branch.building_id).order_by(StairUnit.position)
        )
    form.stair_unit_id.choices = [BLANK_INT] + [(u.id, u.name) for u in units]
    form.leader_id.choices = _member_choices(Member.branch_id == branch.id)


def _branch_form_data(form) -> dict:
    return form_data(form, *rules.BRANCH_FIELDS)


# --- branches --------------------------------------------------------------------------

@bp.route("/c/<int:cid>/branches")
@login_required
def branches(cid):
    perm.require(perm.can_view_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    filters = BranchFilterForm(formdata=request.args)
    stmt = (
        select(Branch)
        .where(Branch.community_id == cid)
        .options(selectinload(Branch.building), selectinload(Branch.secretary))
        .order_by(Branch.status, _KIND_ORDER, Branch.name)
    )
    if filters.kind.data in BranchKind._value2member_map_:
        stmt = stmt.where(Branch.kind == BranchKind(filters.kind.data))
    if filters.status.data in OrgStatus._value2member_map_:
        stmt = stmt.where(Branch.status == OrgStatus(filters.status.data))
    q = (filters.q.data or "").strip()[:100]
    if q:
        stmt = stmt.where(Branch.name.contains(q, autoescape=True))
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    ids = [b.id for b in page.items]
    return render_template(
        "org/branches.html", community=community, page=page, filters=filters,
        filtered=bool(q or filters.kind.data or filters.status.data),
        members=rules.active_member_counts(ids), groups=rules.group_counts(ids),
        can_manage=perm.can_manage_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/branches/new", methods=["GET", "POST"])
@login_required
def branch_new(cid):
    perm.require(perm.can_manage_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    form = BranchNewForm()
    _fill_branch_choices(form, cid)
    if form.validate_on_submit():
        made = {}

        def action():
            made["branch"] = rules.create_branch(current_user, cid, _branch_form_data(form), form.unit_groups.data)

        if save(form, action):
            branch = made["branch"]
            extra = f"，并建立了{len(branch.groups)}个党小组" if branch.groups else ""
            flash(f"已建立党支部“{branch.name}”{extra}。", "success")
            return redirect(url_for("org.branch_show", cid=cid, bid=branch.id))
    return render_template("org/branch_form.html", community=community, form=form, branch=None)


@bp.route("/c/<int:cid>/branches/<int:bid>")
@login_required
def branch_show(cid, bid):
    perm.require(_may_enter(cid))
    branch = get_in_community(Branch, bid, cid)
    perm.require(perm.can_view_branch(current_user, branch))
    groups = db.session.scalars(
        select(PartyGroup).where(PartyGroup.branch_id == bid)
        .options(selectinload(PartyGroup.leader), selectinload(PartyGroup.stair_unit))
        .order_by(PartyGroup.status, PartyGroup.name)
    ).all()
    member_stmt = (
        select(Member)
        .where(Member.branch_id == bid, Member.status == MemberStatus.ACTIVE)
        .options(selectinload(Member.group))
        .order_by(Member.name, Member.id)
    )
    members = db.session.scalars(member_stmt.limit(BRANCH_PAGE_MEMBERS)).all()
    member_total = rules.active_member_counts([bid]).get(bid, 0)
    return render_template(
        "org/branch_show.html", branch=branch, groups=groups, group_members=rules.group_member_counts(bid),
        members=members, member_total=member_total, actions=rules.allowed_actions(current_user, branch),
        can_list_members=perm.can_list_members(current_user, cid),
        can_view_community=perm.can_view_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/branches/<int:bid>/edit", methods=["GET", "POST"])
@login_required
def branch_edit(cid, bid):
    perm.require(perm.can_manage_community(current_user, cid))
    branch = get_in_community(Branch, bid, cid)
    if request.method == "POST":
        form = BranchEditForm()
    else:
        form = BranchEditForm(data=_branch_initial(branch))
    _fill_branch_choices(form, cid)
    if form.validate_on_submit():
        if save(form, lambda: rules.update_branch(current_user, branch, _branch_form_data(form), form.version.data)):
            flash("支部信息已保存。", "success")
            return redirect(url_for("org.branch_show", cid=cid, bid=bid))
    return render_template("org/branch_form.html", community=branch.community, form=form, branch=branch)


def _branch_initial(branch: Branch) -> dict:
    return {
        "name": branch.name, "kind": branch.kind.value, "building_id": branch.building_id or 0,
        "subtype": branch.subtype or "", "mode": branch.mode.value if branch.mode else "",
        "organisation_name": branch.organisation_name, "resident_unit_id": branch.resident_unit_id or 0,
        "secretary_id": branch.secretary_id or 0, "founded_on": branch.founded_on, "note": branch.note,
        "version": branch.version,
    }


@bp.route("/c/<int:cid>/branches/<int:bid>/dissolve", methods=["GET", "POST"])
@login_required
def branch_dissolve(cid, bid):
    perm.require(perm.can_manage_community(current_user, cid))
    branch = get_in_community(Branch, bid, cid)
    if branch.status == OrgStatus.DISSOLVED:
        flash("该支部已撤销。", "info")
        return redirect(url_for("org.branch_show", cid=cid, bid=bid))
    form = DissolveForm()
    if form.validate_on_submit():
        if save(form, lambda: rules.dissolve_branch(current_user, branch, form.dissolved_on.data)):
            flash(f"党支部“{branch.name}”已撤销，记录仍保留。", "success")
            return redirect(url_for("org.branch_show", cid=cid, bid=bid))
    remaining = rules.active_member_counts([bid]).get(bid, 0)
    return render_template("org/branch_dissolve.html", branch=branch, form=form, remaining=remaining,
                           can_list_members=perm.can_list_members(current_user, cid))


@bp.route("/c/<int:cid>/branches/<int:bid>/unit-groups", methods=["POST"])
@login_required
def branch_unit_groups(cid, bid):
    perm.require(perm.can_manage_community(current_user, cid))
    branch = get_in_community(Branch, bid, cid)
    made = {}

    def action():
        made["groups"] = rules.create_unit_groups(current_user, branch)

    if save(None, action):
        count = len(made["groups"])
        if count:
            flash(f"已按单元建立{count}个党小组。", "success")
        else:
            flash("每个单元都已有党小组，没有新建。", "info")
    return redirect(url_for("org.branch_show", cid=cid, bid=bid))


# --- party groups ----------------------------------------------------------------------

@bp.route("/c/<int:cid>/branches/<int:bid>/groups/new", methods=["GET", "POST"])
@login_required
def group_new(cid, bid):
    perm.require(_may_manage_some_groups(cid))
    branch = get_in_community(Branch, bid, cid)
    perm.require(perm.can_manage_groups(current_user, branch))
    if branch.status != OrgStatus.ACTIVE:
        flash("该支部已撤销，不能再建立党小组。", "warning")
        return redirect(url_for("org.branch_show", cid=cid, bid=bid))
    form = GroupForm()
    _fill_group_choices(form, branch)
    if form.validate_on_submit():
        if save(form, lambda: rules.create_group(current_user, branch, form_data(form, *rules.GROUP_FIELDS))):
            flash("党小组已建立。", "success")
            return redirect(url_for("org.branch_show", cid=cid, bid=bid))
    return render_template("org/group_form.html", branch=branch, form=form, group=None)


@bp.route("/c/<int:cid>/groups/<int:gid>/edit", methods=["GET", "POST"])
@login_required
def group_edit(cid, gid):
    perm.require(_may_manage_some_groups(cid))
    group = db.session.get(PartyGroup, gid)
    if group is None or group.branch.community_id != cid:
        abort(404)
    branch = group.branch
    perm.require(perm.can_manage_groups(current_user, branch))
    if request.method == "POST":
        form = GroupEditForm()
    else:
        form = GroupEditForm(data={"name": group.name, "stair_unit_id": group.stair_unit_id or 0,
                                   "leader_id": group.leader_id or 0, "version": group.version})
    _fill_group_choices(form, branch)
    if form.validate_on_submit():
        data = form_data(form, *rules.GROUP_FIELDS)
        if save(form, lambda: rules.update_group(current_user, group, data, form.version.data)):
            flash("党小组已保存。", "success")
            return redirect(url_for("org.branch_show", cid=cid, bid=branch.id))
    return render_template("org/group_form.html", branch=branch, form=form, group=group)


# --- functional subtypes ---------------------------------------------------------------

@bp.route("/c/<int:cid>/branch-subtypes", methods=["GET", "POST"])
@login_required
def branch_subtypes(cid):
    perm.require(perm.can_view_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    can_manage = perm.can_manage_community(current_user, cid)
    form = SubtypeForm()
    if request.method == "POST":
        perm.require(can_manage)
        if form.validate_on_submit():
            if save(form, lambda: rules.add_subtype(current_user, cid, form.name.data)):
                flash(f"已增加功能型类别“{form.name.data.strip()}”。", "success")
                return redirect(url_for("org.branch_subtypes", cid=cid))
    own = db.session.scalars(
        select(BranchSubtype).where(BranchSubtype.community_id == cid).order_by(BranchSubtype.name)
    ).all()
    in_use = dict(db.session.execute(
        select(Branch.subtype, sa.func.count())
        .where(Branch.community_id == cid, Branch.kind == BranchKind.FUNCTIONAL, Branch.status == OrgStatus.ACTIVE)
        .group_by(Branch.subtype)
    ).all())
    return render_template("org/subtypes.html", community=community, builtin=BUILTIN_SUBTYPES, own=own,
                           in_use=in_use, form=form, can_manage=can_manage)
