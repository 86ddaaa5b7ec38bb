"""The big party committee's seats and terms, and the co-building lists."""
import io
from datetime import date

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import permissions as perm
from ...domain import cobuilding as co
from ...domain import committee as rules
from ...domain.errors import DomainError
from ...extensions import db
from ...models import (
    CobuildingAgreement,
    CobuildingProject,
    CommitteeSeat,
    Community,
    CommunityNeed,
    Member,
    MemberStatus,
    NeedStatus,
    ProjectStatus,
    ResidentUnit,
    ResourceKind,
    ResourceState,
    Role,
    SeatTerm,
    UnitResource,
)
from ...forms import BLANK_INT
from ..common import ListFilters, form_data, form_version, get_in_community, page_of, save, xlsx_response
from . import bp
from .forms import (
    AgreementForm,
    EndTermForm,
    NeedFilter,
    NeedForm,
    ProjectFilter,
    ProjectForm,
    ResourceFilter,
    ResourceForm,
    ResourceStaffForm,
    SeatForm,
    TermForm,
)


def _community(cid: int) -> Community:
    return db.get_or_404(Community, cid)


def _liaison_unit(cid: int) -> int | None:
    """The unit a liaison's lists are narrowed to (None for everyone else)."""
    return current_user.resident_unit_id if current_user.role == Role.LIAISON else None


def _units(cid: int) -> list[ResidentUnit]:
    return list(
        db.session.scalars(select(ResidentUnit).where(ResidentUnit.community_id == cid).order_by(ResidentUnit.name))
    )


def _units_seen(cid: int) -> list[ResidentUnit]:
    """The units a user may pick in the co-building lists: all of the community's, or a liaison's own."""
    own = _liaison_unit(cid)
    return [u for u in _units(cid) if own is None or u.id == own]


def _own_unit_only(query, cid: int, unit_column):
    """Narrow a liaison's list to the rows of their own unit (everyone else's list stays whole)."""
    own = _liaison_unit(cid)
    return query if own is None else query.where(unit_column == own)


def _unit_filters(cid: int, form, query, unit_column) -> ListFilters:
    """Filters of a co-building list by unit: a liaison's own unit only, and the unit picked in `form.unit`."""
    form.unit.choices = [(0, "全部单位")] + [(u.id, u.name) for u in _units_seen(cid)]
    return ListFilters(_own_unit_only(query, cid, unit_column)).record_id("unit", unit_column)


# --- template helpers for pages of other blueprints -----------------------------------------

@bp.app_template_global("committee_expiring")
def committee_expiring(cid: int):
    """Terms and agreements that end within 60 days (for the home page's `committee/_expiring.html`)."""
    return rules.expiring(cid, date.today())


@bp.app_template_global("committee_unit_terms")
def committee_unit_terms(unit_id: int):
    """The seats held today for a unit (for `committee/_unit_seats.html`)."""
    return rules.unit_terms(unit_id, date.today())


# --- committee seats ----------------------------------------------------------------------

def _fill_term_choices(form, cid: int) -> None:
    members = db.session.execute(
        select(Member.id, Member.name)
        .where(Member.community_id == cid, Member.status == MemberStatus.ACTIVE)
        .order_by(Member.name, Member.id)
    )
    form.member_id.choices = [BLANK_INT] + [(mid, name) for mid, name in members]
    form.resident_unit_id.choices = [BLANK_INT] + [(u.id, u.name) for u in _units(cid)]


TERM_NAMES = ("member_id", "holder_name", "holder_org", "holder_post", "resident_unit_id", "chosen_by", "start_on", "end_on")


@bp.route("/c/<int:cid>/committee")
@login_required
def seats(cid):
    perm.require(perm.can_view_community(current_user, cid))
    community = _community(cid)
    today = date.today()
    all_seats = rules.seats(cid)
    rows = [(seat, seat.term_on(today)) for seat in all_seats]
    low, high = rules.size_limits(cid)
    size = sum(1 for _, term in rows if term)
    return render_template(
        "committee/seats.html", community=community, rows=rows, size=size, low=low, high=high, today=today,
        expiring=rules.expiring(cid, today), can_manage=perm.can_manage_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/committee.xlsx")
@login_required
def seats_xlsx(cid):
    perm.require(perm.can_view_community(current_user, cid))
    community = _community(cid)
    today = date.today()
    headers = ["职务", "分工", "姓名", "所在党组织", "党内职务", "驻区单位", "任期开始", "任期结束", "产生方式"]
    rows = []
    for seat in rules.seats(cid):
        term = seat.term_on(today)
        if term is None:
            rows.append([seat.post, seat.duty, "（空缺）", "", "", "", None, None, ""])
            continue
        org = term.holder_org or (community.committee.name if term.member and community.committee else "")
        rows.append([
            seat.post, seat.duty, term.holder, org, term.holder_post,
            term.resident_unit.name if term.resident_unit else "", term.start_on, term.end_on, term.chosen_by,
        ])
    return xlsx_response(f"{community.name}社区党委委员名单-{today:%Y%m%d}.xlsx", headers, rows, "委员名单")


@bp.route("/c/<int:cid>/committee/seats/new", methods=["GET", "POST"])
@login_required
def seat_new(cid):
    perm.require(perm.can_manage_community(current_user, cid))
    community = _community(cid)
    form = SeatForm()
    _fill_term_choices(form, cid)
    if form.validate_on_submit():
        data = form_data(form, "post", "duty", "note", *TERM_NAMES)
        created = []
        if save(form, lambda: created.append(rules.create_seat(current_user, cid, data, date.today()))):
            flash(f"已新增{created[0].post.label}席位，任职人：{created[0].terms[0].holder}。", "success")
            return redirect(url_for(".seats", cid=cid))
    return render_template(
        "committee/form.html", community=community, form=form, title="新增委员席位",
        cancel_url=url_for(".seats", cid=cid),
    )


@bp.route("/c/<int:cid>/committee/seats/<int:sid>")
@login_required
def seat_show(cid, sid):
    seat = get_in_community(CommitteeSeat, sid, cid)
    perm.require(perm.can_view_seat(current_user, seat))
    today = date.today()
    return render_template(
        "committee/seat.html", seat=seat, current=seat.term_on(today), today=today,
        can_manage=perm.can_manage_community(current_user, cid),
        can_list=perm.can_view_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/committee/seats/<int:sid>/terms/new", methods=["GET", "POST"])
@login_required
def term_new(cid, sid):
    perm.require(perm.can_manage_community(current_user, cid))
    seat = get_in_community(CommitteeSeat, sid, cid)
    form = TermForm()
    _fill_term_choices(form, cid)
    if form.validate_on_submit():
        data = form_data(form, *TERM_NAMES)
        created = []
        if save(form, lambda: created.append(rules.add_term(current_user, seat, data, date.today()))):
            flash(f"已登记{seat.post.label}新一任任期：{created[0].holder}。", "success")
            return redirect(url_for(".seat_show", cid=cid, sid=seat.id))
    return render_template(
        "committee/form.html", community=seat.community, form=form, title=f"登记新一任：{seat.post.label}",
        cancel_url=url_for(".seat_show", cid=cid, sid=seat.id),
    )


@bp.route("/c/<int:cid>/committee/terms/<int:tid>/end", methods=["GET", "POST"])
@login_required
def term_end(cid, tid):
    perm.require(perm.can_manage_community(current_user, cid))
    term = get_in_community(SeatTerm, tid, cid)
    form = EndTermForm()
    if request.method == "GET":
        form.end_on.data = min(date.today(), term.end_on) if term.start_on <= date.today() else term.start_on
        form.version.data = term.version
    if form.validate_on_submit():
        warning = []
        data = form_data(form, "end_on", "end_reason")
        if save(form, lambda: warning.append(
            rules.end_term(current_user, term, data["end_on"], data["end_reason"], form_version(form))
        )):
            flash(f"{term.holder}的任期已于{term.end_on:%Y-%m-%d}结束。", "success")
            if warning[0]:
                flash(warning[0], "warning")
            return redirect(url_for(".seat_show", cid=cid, sid=term.seat_id))
    return render_template(
        "committee/form.html", community=term.seat.community, form=form,
        title=f"结束任期：{term.seat.post.label} {term.holder}",
        subtitle=f"原定任期 {term.start_on:%Y-%m-%d} 至 {term.end_on:%Y-%m-%d}。结束后席位空缺，可再登记新一任。",
        cancel_url=url_for(".seat_show", cid=cid, sid=term.seat_id), confirm="确定结束该任期？结束后不能撤销。",
    )


# --- co-building: units and agreements ---------------------------------------------------------

def _unit_for(cid: int, uid: int) -> ResidentUnit:
    unit = get_in_community(ResidentUnit, uid, cid)
    perm.require(perm.can_view_unit(current_user, unit))
    return unit


@bp.route("/c/<int:cid>/cobuilding")
@login_required
def cobuilding(cid):
    perm.require(perm.can_enter_cobuilding(current_user, cid))
    community = _community(cid)
    query = _own_unit_only(select(ResidentUnit).where(ResidentUnit.community_id == cid), cid, ResidentUnit.id)
    page = page_of(query.order_by(ResidentUnit.name))
    agreements = {
        a.resident_unit_id: a
        for a in db.session.scalars(
            select(CobuildingAgreement).where(CobuildingAgreement.resident_unit_id.in_([u.id for u in page.items]))
        )
    }
    today = date.today()
    return render_template(
        "committee/cobuilding.html", community=community, page=page, agreements=agreements,
        counts=co.unit_counts(cid), today=today, expiring=rules.expiring(cid, today),
        can_manage=perm.can_manage_cobuilding(current_user, cid), can_export=perm.can_view_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/cobuilding/units/<int:uid>")
@login_required
def unit_show(cid, uid):
    unit = _unit_for(cid, uid)
    resources = db.session.scalars(
        select(UnitResource).where(UnitResource.resident_unit_id == unit.id).order_by(UnitResource.kind, UnitResource.id)
    ).all()
    projects = db.session.scalars(
        select(CobuildingProject)
        .where(CobuildingProject.resident_unit_id == unit.id)
        .options(selectinload(CobuildingProject.need), selectinload(CobuildingProject.resource))
        .order_by(CobuildingProject.started_on.desc(), CobuildingProject.id.desc())
    ).all()
    return render_template(
        "committee/unit.html", unit=unit, agreement=co.agreement_of(unit), resources=resources, projects=projects,
        today=date.today(), can_manage=perm.can_manage_cobuilding(current_user, cid),
        can_propose=perm.can_propose_resource(current_user, unit),
        can_edit={r.id: perm.can_edit_resource(current_user, r) for r in resources},
        can_list=perm.can_enter_cobuilding(current_user, cid) and _liaison_unit(cid) is None,
    )


def _uploads():
    """partyorg.uploads when present (it is built alongside the activities)."""
    try:
        from ... import uploads
    except ImportError:  # pragma: no cover - the module ships with the activities
        return None
    return uploads


@bp.route("/c/<int:cid>/cobuilding/units/<int:uid>/agreement", methods=["GET", "POST"])
@login_required
def agreement_edit(cid, uid):
    perm.require(perm.can_manage_cobuilding(current_user, cid))
    unit = get_in_community(ResidentUnit, uid, cid)
    agreement = co.agreement_of(unit)
    form = AgreementForm(obj=agreement)
    uploads = _uploads()
    if uploads is None:
        del form.scan
    if request.method == "GET":
        form.agreement_start.data, form.agreement_end.data = unit.agreement_start, unit.agreement_end
        form.version.data = agreement.version if agreement else ""
    if form.validate_on_submit():
        data = form_data(form, *co.AGREEMENT_FIELDS)
        upload = form.scan.data if uploads is not None and "scan" in form else None
        stored = []

        def action():
            scan = None
            if upload is not None and getattr(upload, "filename", ""):
                try:
                    scan = uploads.store_upload(upload, kinds=(uploads.IMAGE, uploads.PDF))
                except DomainError as err:
                    raise DomainError(err.message, "scan") from None
                stored.append(scan)
            co.save_agreement(current_user, unit, data, form_version(form), scan)

        if save(form, action):
            flash(f"已保存“{unit.name}”的共驻共建协议。", "success")
            return redirect(url_for(".unit_show", cid=cid, uid=unit.id))
        for scan in stored:  # the record was not saved: do not keep its file
            uploads.discard(scan.key)
    return render_template(
        "committee/form.html", community=unit.community, form=form, title=f"共驻共建协议：{unit.name}",
        cancel_url=url_for(".unit_show", cid=cid, uid=unit.id), multipart=True,
    )


@bp.route("/c/<int:cid>/cobuilding/units/<int:uid>/agreement/scan")
@login_required
def agreement_scan(cid, uid):
    unit = _unit_for(cid, uid)
    agreement = co.agreement_of(unit)
    uploads = _uploads()
    if agreement is None or not agreement.scan_key or uploads is None:
        abort(404)
    try:
        path = uploads.upload_path(agreement.scan_key)
    except ValueError:
        abort(404)
    if not path.exists():
        abort(404)
    # Read it whole (at most 10 MB) so that no file handle outlives the response.
    return send_file(
        io.BytesIO(path.read_bytes()), mimetype=agreement.scan_mime, download_name=agreement.scan_name or "协议扫描件",
        as_attachment=agreement.scan_mime != "application/pdf" and not agreement.scan_mime.startswith("image/"),
    )


# --- resources ----------------------------------------------------------------------------------

def _resource_form(cid: int, form_cls, obj=None):
    form = form_cls(obj=obj)
    form.resident_unit_id.choices = [BLANK_INT] + [(u.id, u.name) for u in _units_seen(cid)]
    return form


@bp.route("/c/<int:cid>/cobuilding/resources")
@login_required
def resources(cid):
    perm.require(perm.can_enter_cobuilding(current_user, cid))
    community = _community(cid)
    filters = ResourceFilter(request.args)
    query = select(UnitResource).where(UnitResource.community_id == cid).options(selectinload(UnitResource.resident_unit))
    found = (
        _unit_filters(cid, filters, query, UnitResource.resident_unit_id)
        .choice("kind", UnitResource.kind, ResourceKind)
        .choice("state", UnitResource.state, ResourceState)
    )
    page = page_of(found.query.order_by(UnitResource.state, UnitResource.resident_unit_id, UnitResource.id))
    return render_template(
        "committee/resources.html", community=community, page=page, filters=filters,
        filtered=found.given, can_manage=perm.can_manage_cobuilding(current_user, cid),
        can_add=perm.can_manage_cobuilding(current_user, cid) or _liaison_unit(cid) is not None,
        can_edit={r.id: perm.can_edit_resource(current_user, r) for r in page.items},
        can_export=perm.can_view_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/cobuilding/resources/new", methods=["GET", "POST"])
@login_required
def resource_new(cid):
    perm.require(perm.can_manage_cobuilding(current_user, cid) or (
        current_user.role == Role.LIAISON and current_user.community_id == cid and current_user.resident_unit_id
    ))
    community = _community(cid)
    form = _resource_form(cid, ResourceForm)
    if request.method == "GET":
        form.resident_unit_id.data = _liaison_unit(cid) or request.args.get("unit", 0, type=int)
    if form.validate_on_submit():
        unit = db.session.get(ResidentUnit, form.resident_unit_id.data or 0)
        if unit is None or unit.community_id != cid:
            form.resident_unit_id.errors = list(form.resident_unit_id.errors) + ["请选择本社区的驻区单位。"]
        else:
            perm.require(perm.can_propose_resource(current_user, unit))
            confirmed = perm.can_manage_cobuilding(current_user, cid)
            data = form_data(form, *co.RESOURCE_FIELDS)
            if save(form, lambda: co.create_resource(current_user, unit, data, confirmed)):
                if confirmed:
                    flash(f"已为“{unit.name}”登记资源。", "success")
                else:
                    flash("资源已提交，待社区工作人员确认。", "success")
                return redirect(url_for(".unit_show", cid=cid, uid=unit.id))
    return render_template(
        "committee/form.html", community=community, form=form, title="登记驻区单位资源",
        subtitle=None if perm.can_manage_cobuilding(current_user, cid) else "提交后状态为“待确认”，社区工作人员确认后列入资源清单。",
        cancel_url=url_for(".resources", cid=cid),
    )


@bp.route("/c/<int:cid>/cobuilding/resources/<int:rid>/edit", methods=["GET", "POST"])
@login_required
def resource_edit(cid, rid):
    resource = get_in_community(UnitResource, rid, cid)
    perm.require(perm.can_edit_resource(current_user, resource))
    staff = perm.can_manage_cobuilding(current_user, cid)
    form = _resource_form(cid, ResourceStaffForm if staff else ResourceForm, resource)
    # The unit of a resource does not change; enter a new one for another unit.
    del form.resident_unit_id
    if request.method == "GET":
        form.kind.data = resource.kind.value
        form.version.data = resource.version
        if staff:
            form.state.data = resource.state.value
    if form.validate_on_submit():
        data = form_data(form, *co.RESOURCE_FIELDS, *(("state",) if staff else ()))
        if save(form, lambda: co.update_resource(current_user, resource, data, form_version(form))):
            flash("资源已保存。", "success")
            return redirect(url_for(".unit_show", cid=cid, uid=resource.resident_unit_id))
    return render_template(
        "committee/form.html", community=resource.resident_unit.community, form=form,
        title=f"编辑资源：{resource.resident_unit.name}", cancel_url=url_for(".unit_show", cid=cid, uid=resource.resident_unit_id),
    )


@bp.route("/c/<int:cid>/cobuilding/resources/<int:rid>/confirm", methods=["POST"])
@login_required
def resource_confirm(cid, rid):
    perm.require(perm.can_manage_cobuilding(current_user, cid))
    resource = get_in_community(UnitResource, rid, cid)
    if save(None, lambda: co.confirm_resource(current_user, resource)):
        flash(f"已确认“{resource.resident_unit.name}”的资源：{resource.description}。", "success")
    if request.args.get("back") == "list":
        return redirect(url_for(".resources", cid=cid))
    return redirect(url_for(".unit_show", cid=cid, uid=resource.resident_unit_id))


# --- needs ----------------------------------------------------------------------------------------

@bp.route("/c/<int:cid>/cobuilding/needs")
@login_required
def needs(cid):
    perm.require(perm.can_enter_cobuilding(current_user, cid))
    community = _community(cid)
    filters = NeedFilter(request.args)
    found = (
        ListFilters(select(CommunityNeed).where(CommunityNeed.community_id == cid))
        .choice("status", CommunityNeed.status, NeedStatus)
        .text("q", CommunityNeed.title)
    )
    page = page_of(found.query.order_by(CommunityNeed.status, CommunityNeed.id.desc()))
    return render_template(
        "committee/needs.html", community=community, page=page, filters=filters, filtered=found.given,
        can_manage=perm.can_manage_cobuilding(current_user, cid), can_export=perm.can_view_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/cobuilding/needs/new", methods=["GET", "POST"])
@login_required
def need_new(cid):
    perm.require(perm.can_manage_cobuilding(current_user, cid))
    community = _community(cid)
    form = NeedForm()
    if form.validate_on_submit():
        data = form_data(form, *co.NEED_FIELDS)
        if save(form, lambda: co.create_need(current_user, cid, data)):
            flash(f"已登记需求“{data['title']}”。", "success")
            return redirect(url_for(".needs", cid=cid))
    return render_template(
        "committee/form.html", community=community, form=form, title="登记社区需求", cancel_url=url_for(".needs", cid=cid)
    )


@bp.route("/c/<int:cid>/cobuilding/needs/<int:nid>/edit", methods=["GET", "POST"])
@login_required
def need_edit(cid, nid):
    perm.require(perm.can_manage_cobuilding(current_user, cid))
    need = get_in_community(CommunityNeed, nid, cid)
    form = NeedForm(obj=need)
    if request.method == "GET":
        form.status.data = need.status.value
        form.version.data = need.version
    if form.validate_on_submit():
        data = form_data(form, *co.NEED_FIELDS)
        if save(form, lambda: co.update_need(current_user, need, data, form_version(form))):
            flash("需求已保存。", "success")
            return redirect(url_for(".needs", cid=cid))
    return render_template(
        "committee/form.html", community=_community(cid), form=form, title=f"编辑需求：{need.title}",
        cancel_url=url_for(".needs", cid=cid),
    )


# --- projects -----------------------------------------------------------------------------------

def _project_form(cid: int, obj=None) -> ProjectForm:
    form = ProjectForm(obj=obj)
    units = _units(cid)
    names = {u.id: u.name for u in units}
    form.resident_unit_id.choices = [BLANK_INT] + [(u.id, u.name) for u in units]
    resources = db.session.scalars(
        select(UnitResource)
        .where(UnitResource.community_id == cid, UnitResource.state == ResourceState.CONFIRMED)
        .order_by(UnitResource.resident_unit_id, UnitResource.id)
    )
    form.resource_id.choices = [BLANK_INT] + [
        (r.id, f"{names.get(r.resident_unit_id, '')} · {r.kind.label} · {r.description}") for r in resources
    ]
    need_rows = db.session.execute(
        select(CommunityNeed.id, CommunityNeed.title).where(CommunityNeed.community_id == cid).order_by(CommunityNeed.title)
    )
    form.need_id.choices = [BLANK_INT] + [(i, t) for i, t in need_rows]
    return form


@bp.route("/c/<int:cid>/cobuilding/projects")
@login_required
def projects(cid):
    perm.require(perm.can_enter_cobuilding(current_user, cid))
    community = _community(cid)
    filters = ProjectFilter(request.args)
    query = select(CobuildingProject).where(CobuildingProject.community_id == cid).options(
        selectinload(CobuildingProject.resident_unit), selectinload(CobuildingProject.need),
        selectinload(CobuildingProject.resource),
    )
    found = _unit_filters(cid, filters, query, CobuildingProject.resident_unit_id).choice(
        "status", CobuildingProject.status, ProjectStatus
    )
    page = page_of(found.query.order_by(CobuildingProject.id.desc()))
    return render_template(
        "committee/projects.html", community=community, page=page, filters=filters, filtered=found.given,
        can_manage=perm.can_manage_cobuilding(current_user, cid), can_export=perm.can_view_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/cobuilding/projects/new", methods=["GET", "POST"])
@login_required
def project_new(cid):
    perm.require(perm.can_manage_cobuilding(current_user, cid))
    community = _community(cid)
    form = _project_form(cid)
    if request.method == "GET":
        form.resident_unit_id.data = request.args.get("unit", 0, type=int)
        form.need_id.data = request.args.get("need", 0, type=int)
    if form.validate_on_submit():
        data = form_data(form, *co.PROJECT_FIELDS)
        created = []
        if save(form, lambda: created.append(co.create_project(current_user, cid, data))):
            flash(f"已新建共建项目“{created[0].title}”。", "success")
            return redirect(url_for(".project_show", cid=cid, pid=created[0].id))
    return render_template(
        "committee/form.html", community=community, form=form, title="新建共建项目",
        subtitle="把驻区单位已确认的资源与社区需求对接起来。", cancel_url=url_for(".projects", cid=cid),
    )


@bp.route("/c/<int:cid>/cobuilding/projects/<int:pid>")
@login_required
def project_show(cid, pid):
    project = get_in_community(CobuildingProject, pid, cid)
    perm.require(perm.can_view_project(current_user, project))
    return render_template(
        "committee/project.html", project=project, can_manage=perm.can_manage_cobuilding(current_user, cid),
        can_list=perm.can_enter_cobuilding(current_user, cid),
    )


@bp.route("/c/<int:cid>/cobuilding/projects/<int:pid>/edit", methods=["GET", "POST"])
@login_required
def project_edit(cid, pid):
    perm.require(perm.can_manage_cobuilding(current_user, cid))
    project = get_in_community(CobuildingProject, pid, cid)
    form = _project_form(cid, project)
    if request.method == "GET":
        form.status.data = project.status.value
        form.resident_unit_id.data = project.resident_unit_id
        form.resource_id.data = project.resource_id or 0
        form.need_id.data = project.need_id or 0
        form.version.data = project.version
    if form.validate_on_submit():
        data = form_data(form, *co.PROJECT_FIELDS)
        if save(form, lambda: co.update_project(current_user, project, data, form_version(form))):
            flash("共建项目已保存。", "success")
            return redirect(url_for(".project_show", cid=cid, pid=project.id))
    return render_template(
        "committee/form.html", community=_community(cid), form=form, title=f"编辑共建项目：{project.title}",
        cancel_url=url_for(".project_show", cid=cid, pid=project.id),
    )


# --- Excel downloads of the co-building lists -----------------------------------------------------

def _agreement_rows(cid: int):
    agreements = {
        a.resident_unit_id: a
        for a in db.session.scalars(select(CobuildingAgreement).where(CobuildingAgreement.community_id == cid))
    }
    headers = ["驻区单位", "单位类型", "单位党组织", "协议开始", "协议终止", "签订日期", "社区方签字人", "单位方签字人", "联络员"]
    rows = []
    for u in _units(cid):
        a = agreements.get(u.id)
        rows.append([
            u.name, u.kind, u.party_org_name, u.agreement_start, u.agreement_end, a.signed_on if a else None,
            a.community_signatory if a else "", a.unit_signatory if a else "", u.liaison_name,
        ])
    return "共驻共建协议", headers, rows


def _resource_rows(cid: int):
    items = db.session.scalars(
        select(UnitResource).where(UnitResource.community_id == cid)
        .options(selectinload(UnitResource.resident_unit)).order_by(UnitResource.resident_unit_id, UnitResource.id)
    )
    headers = ["驻区单位", "资源类型", "资源说明", "数量/规模", "状态", "备注"]
    return "资源清单", headers, [
        [r.resident_unit.name, r.kind, r.description, r.quantity, r.state, r.note] for r in items
    ]


def _need_rows(cid: int):
    items = db.session.scalars(select(CommunityNeed).where(CommunityNeed.community_id == cid).order_by(CommunityNeed.id))
    return "需求清单", ["需求名称", "需求说明", "状态"], [[n.title, n.description, n.status] for n in items]


def _project_rows(cid: int):
    items = db.session.scalars(
        select(CobuildingProject).where(CobuildingProject.community_id == cid)
        .options(selectinload(CobuildingProject.resident_unit), selectinload(CobuildingProject.need),
                 selectinload(CobuildingProject.resource))
        .order_by(CobuildingProject.id)
    )
    headers = ["项目名称", "驻区单位", "对接资源", "对接需求", "状态", "开始日期", "完成日期", "备注"]
    return "项目清单", headers, [
        [p.title, p.resident_unit.name, p.resource.description if p.resource else "", p.need.title if p.need else "",
         p.status, p.started_on, p.finished_on, p.note]
        for p in items
    ]


_EXPORTS = {"agreements": _agreement_rows, "resources": _resource_rows, "needs": _need_rows, "projects": _project_rows}


@bp.route("/c/<int:cid>/cobuilding/agreements.xlsx", defaults={"what": "agreements"})
@bp.route("/c/<int:cid>/cobuilding/resources.xlsx", defaults={"what": "resources"})
@bp.route("/c/<int:cid>/cobuilding/needs.xlsx", defaults={"what": "needs"})
@bp.route("/c/<int:cid>/cobuilding/projects.xlsx", defaults={"what": "projects"})
@login_required
def cobuilding_xlsx(cid, what):
    perm.require(perm.can_view_community(current_user, cid))
    community = _community(cid)
    title, headers, rows = _EXPORTS[what](cid)
    return xlsx_response(f"{community.name}社区{title}-{date.today():%Y%m%d}.xlsx", headers, rows, title)
