from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ... import permissions as perm
from ...domain import members as rules
from ...extensions import db
from ...models import (
    Branch,
    Building,
    Community,
    Member,
    OrgStatus,
    PartyGroup,
)
from ..common import form_data, get_in_community, save
from ..supervision.views import plan_context
from . import bp
from .forms import FilterForm, MemberForm, StatusForm


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _branches(cid: int, keep: int | None = None) -> list[Branch]:
    """Active branches of the community, plus `keep` (a member's current, maybe dissolved, branch)."""
    stmt = select(Branch).where(Branch.community_id == cid)
    stmt = stmt.where((Branch.status == OrgStatus.ACTIVE) | (Branch.id == (keep or 0)))
    return list(db.session.scalars(stmt.order_by(Branch.name)))


def _groups(branch_ids: list[int], keep: int | None = None) -> list[PartyGroup]:
    stmt = (
        select(PartyGroup)
        .where(PartyGroup.branch_id.in_(branch_ids))
        .where((PartyGroup.status == OrgStatus.ACTIVE) | (PartyGroup.id == (keep or 0)))
        .options(selectinload(PartyGroup.branch))
        .order_by(PartyGroup.branch_id, PartyGroup.name)
    )
    return list(db.session.scalars(stmt))


def _buildings(cid: int) -> list[Building]:
    stmt = select(Building).where(Building.community_id == cid).options(selectinload(Building.stair_units))
    return list(db.session.scalars(stmt.order_by(Building.name)))


def _fill_choices(form: MemberForm, cid: int, member: Member | None = None) -> None:
    blank = [(0, "—")]
    branches = _branches(cid, member.branch_id if member else None)
    groups = _groups([b.id for b in branches], member.group_id if member else None)
    buildings = _buildings(cid)
    form.branch_id.choices = blank + [(b.id, b.name) for b in branches]
    form.group_id.choices = blank + [(g.id, f"{g.branch.name} · {g.name}") for g in groups]
    form.building_id.choices = blank + [(b.id, b.name) for b in buildings]
    form.stair_unit_id.choices = blank + [(s.id, f"{b.name} · {s.name}") for b in buildings for s in b.stair_units]


def _member_data(form: MemberForm) -> dict:
    return form_data(form, *rules.FIELDS)


# --- list ------------------------------------------------------------------------------

@bp.route("/c/<int:cid>/members")
@login_required
def index(cid):
    forced_branch = perm.member_list_branch(current_user, cid)
    community = db.get_or_404(Community, cid)
    may_search_ids = perm.can_search_id_numbers(current_user, cid)

    form = FilterForm(formdata=request.args)
    if may_search_ids:
        form.q.label.text = "姓名或身份证号后4位以上"
    # The filters' choices as plain (id, name) rows: no ORM objects to build for a dropdown.
    branch_stmt = select(Branch.id, Branch.name, Branch.status).where(Branch.community_id == cid)
    if forced_branch:
        branch_stmt = branch_stmt.where(Branch.id == forced_branch)
    all_branches = db.session.execute(branch_stmt.order_by(Branch.name)).all()
    form.branch.choices = ([] if forced_branch else [("", "全部")]) + [
        (str(b.id), b.name + ("（已撤销）" if b.status != OrgStatus.ACTIVE else "")) for b in all_branches
    ]
    group_stmt = (
        select(PartyGroup.id, PartyGroup.name, Branch.name.label("branch_name"))
        .join(Branch, Branch.id == PartyGroup.branch_id)
        .where(Branch.community_id == cid, PartyGroup.status == OrgStatus.ACTIVE)
    )
    if forced_branch:
        group_stmt = group_stmt.where(Branch.id == forced_branch)
    groups = db.session.execute(group_stmt.order_by(PartyGroup.branch_id, PartyGroup.name)).all()
    form.group.choices = [("", "全部")] + [(str(g.id), f"{g.branch_name} · {g.name}") for g in groups]
    buildings = db.session.execute(
        select(Building.id, Building.name).where(Building.community_id == cid).order_by(Building.name)
    ).all()
    form.building.choices = [("", "全部")] + [(str(b.id), b.name) for b in buildings]

    if forced_branch:
        form.branch.data = str(forced_branch)
    # The page, its Excel export and its roster share one query.
    stmt = rules.list_statement(cid, request.args, may_search_ids, forced_branch)
    # Branch and group ride on the page's query (many-to-one joins): one statement whatever the page size.
    stmt = stmt.options(joinedload(Member.branch), joinedload(Member.group))
    pagination = db.paginate(
        stmt, page=request.args.get("page", 1, type=int), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    filtered = any(request.args.get(k) for k in ("q", "category", "branch", "group", "building", "type", "status", "overdue"))
    return render_template(
        "members/index.html", community=community, form=form, pagination=pagination,
        filtered=filtered, may_edit=perm.can_edit_member(current_user, cid),
        search_fields=[f for f in (form.q, form.category, form.branch, form.group, form.building, form.type, form.overdue, form.status)
                       if not (forced_branch and f is form.branch)],
    )


# --- create and edit -------------------------------------------------------------------

@bp.route("/c/<int:cid>/members/new", methods=["GET", "POST"])
@login_required
def new(cid):
    perm.require(perm.can_edit_member(current_user, cid))
    community = db.get_or_404(Community, cid)
    form = MemberForm()
    _fill_choices(form, cid)
    if request.method == "GET" and request.args.get("branch", type=int):
        form.branch_id.data = request.args.get("branch", type=int)
    if form.validate_on_submit():
        created = {}

        def action():
            created["member"] = rules.create_member(current_user, cid, _member_data(form))

        if save(form, action):
            flash(f"已登记党员{created['member'].name}。", "success")
            return redirect(url_for("members.show", cid=cid, mid=created["member"].id))
    return render_template("members/form.html", community=community, form=form, member=None,
                           cancel_url=url_for("members.index", cid=cid))


@bp.route("/c/<int:cid>/members/<int:mid>/edit", methods=["GET", "POST"])
@login_required
def edit(cid, mid):
    perm.require(perm.can_edit_member(current_user, cid))
    member = get_in_community(Member, mid, cid)
    form = MemberForm(obj=member)
    _fill_choices(form, cid, member)
    if request.method == "GET":
        form.version.data = member.version
        for name in ("branch_id", "group_id", "building_id", "stair_unit_id"):
            getattr(form, name).data = getattr(member, name) or 0
        form.gender.data = member.gender.value
        form.member_type.data = member.member_type.value
        form.category.data = member.category.value
    if form.validate_on_submit():
        version = _int(form.version.data)
        if save(form, lambda: rules.update_member(current_user, member, _member_data(form), version)):
            flash("党员信息已保存。", "success")
            return redirect(url_for("members.show", cid=cid, mid=mid))
        form.version.data = version  # keep the version the user started from: a stale form stays stale
    return render_template("members/form.html", community=member.community, form=form, member=member,
                           cancel_url=url_for("members.show", cid=cid, mid=mid))


# --- detail, reveal, status ------------------------------------------------------------

def _load_for_view(cid: int, mid: int) -> Member:
    member = get_in_community(Member, mid, cid)
    perm.require(perm.can_view_member(current_user, member))
    return member


def _show(member: Member, full_id: str | None = None):
    may_see_personal = perm.can_see_personal_data(current_user, member)
    return render_template(
        "members/show.html",
        **plan_context(member, current_user, date.today()),
        full_id=full_id,
        may_print_letters=perm.can_print_assisted_letters(current_user, member.community_id),
        may_see_personal=may_see_personal,
        may_reveal=perm.can_see_id_number(current_user, member),
        may_edit=perm.can_edit_member(current_user, member.community_id),
        history=rules.history(member, may_see_personal),
    )


@bp.route("/c/<int:cid>/members/<int:mid>")
@login_required
def show(cid, mid):
    # Who may not see the member gets 403 before learning whether the record exists.
    perm.require(perm.can_list_members(current_user, cid) or perm.can_list_branch_members(current_user, cid))
    return _show(_load_for_view(cid, mid))


@bp.route("/c/<int:cid>/members/<int:mid>/reveal-id", methods=["POST"])
@login_required
def reveal_id(cid, mid):
    perm.require(perm.can_search_id_numbers(current_user, cid))
    member = _load_for_view(cid, mid)
    perm.require(perm.can_see_id_number(current_user, member))
    full_id = rules.reveal_id_number(current_user, member)
    db.session.commit()
    return _show(member, full_id)


@bp.route("/c/<int:cid>/members/<int:mid>/status", methods=["GET", "POST"])
@login_required
def status(cid, mid):
    perm.require(perm.can_edit_member(current_user, cid))
    member = get_in_community(Member, mid, cid)
    form = StatusForm()
    if request.method == "GET":
        form.version.data = member.version
    if form.validate_on_submit():
        version = _int(form.version.data)
        def action():
            rules.change_status(current_user, member, form.status.data, form.status_on.data,
                                form.status_reason.data, expected_version=version)

        if save(form, action):
            flash(f"{member.name}的状态已变更为“{member.status.label}”，档案仍保留。", "success")
            return redirect(url_for("members.show", cid=cid, mid=mid))
    return render_template("members/status.html", member=member, form=form)
