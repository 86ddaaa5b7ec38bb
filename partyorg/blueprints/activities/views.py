"""Joint activities (五联): list, record, submit, confirm or return, attachments, yearly summaries."""
import io
from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import extract, select
from sqlalchemy.orm import joinedload

from ... import permissions as perm
from ... import uploads
from ...domain import activities as rules
from ...domain.errors import DomainError
from ...extensions import db
from ...models import (
    ActivityKind,
    ActivityState,
    CobuildingProject,
    Community,
    JointActivity,
    JointActivityAttachment,
    Member,
    MemberStatus,
    ResidentUnit,
    Role,
)
from ..common import form_data, form_version, get_in_community, save
from . import bp
from .forms import (
    ActivityEditForm,
    ActivityForm,
    ActivitySearchForm,
    ReturnForm,
    UploadForm,
    VersionForm,
    YearForm,
)

FIRST_YEAR = 2012  # the flat community management began in 2012


def _community(cid: int) -> Community:
    return db.get_or_404(Community, cid)


def _is_liaison() -> bool:
    return current_user.role == Role.LIAISON


def _load(cid: int, aid: int) -> JointActivity:
    """Community permission first, then the record (404 elsewhere), then the record's own scope (403)."""
    perm.require(perm.can_list_activities(current_user, cid))
    activity = get_in_community(JointActivity, aid, cid)
    perm.require(perm.can_view_activity(current_user, activity))
    return activity


def _years() -> list[int]:
    return list(range(date.today().year, FIRST_YEAR - 1, -1))


def _year_arg() -> int:
    year = request.args.get("year", type=int)
    return year if year in _years() else date.today().year



# --- list --------------------------------------------------------------------------------

@bp.route("/c/<int:cid>/activities")
@login_required
def index(cid):
    perm.require(perm.can_list_activities(current_user, cid))
    community = _community(cid)
    liaison = _is_liaison()
    search = ActivitySearchForm(request.args)
    units = db.session.scalars(
        select(ResidentUnit).where(ResidentUnit.community_id == cid).order_by(ResidentUnit.name)
    ).all()
    search.unit.choices = [("", "全部单位")] + [(str(u.id), u.name) for u in units]
    search.year.choices = [("", "全部年度")] + [(str(y), f"{y}年") for y in _years()]
    query = select(JointActivity).where(JointActivity.community_id == cid)
    if liaison:
        query = query.where(JointActivity.unit_id == current_user.resident_unit_id)
    kind = request.args.get("kind", "")
    if kind in {k.value for k in ActivityKind}:
        query = query.where(JointActivity.kind == ActivityKind(kind))
    state = request.args.get("state", "")
    if state in {s.value for s in ActivityState}:
        query = query.where(JointActivity.state == ActivityState(state))
    unit_id = request.args.get("unit", type=int)
    if unit_id and not liaison:
        query = query.where(JointActivity.units.any(ResidentUnit.id == unit_id))
    year = request.args.get("year", type=int)
    if year:
        query = query.where(extract("year", JointActivity.held_on) == year)
    page = db.paginate(
        query.options(joinedload(JointActivity.unit))
        .order_by(JointActivity.held_on.desc(), JointActivity.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    # The head count needs only how many members took part, not the members themselves.
    member_counts = rules.participant_counts(a.id for a in page.items)
    returned = []
    if liaison:
        returned = db.session.scalars(
            select(JointActivity)
            .where(JointActivity.community_id == cid, JointActivity.unit_id == current_user.resident_unit_id,
                   JointActivity.state == ActivityState.RETURNED)
            .order_by(JointActivity.held_on.desc())
        ).all()
    fields = [search.kind, search.state, search.year] if liaison else [search.kind, search.state, search.unit, search.year]
    return render_template(
        "activities/index.html",
        community=community,
        page=page,
        member_counts=member_counts,
        search=search,
        fields=fields,
        filtered=bool(kind or state or unit_id or year),
        returned=returned,
        liaison=liaison,
        unit=current_user.resident_unit if liaison else None,
        can_create=perm.can_create_activity(current_user, cid),
        can_summary=perm.can_view_activity_summary(current_user, cid),
    )


# --- create and edit ----------------------------------------------------------------------

def _fill_choices(form, cid: int) -> None:
    units = db.session.scalars(
        select(ResidentUnit).where(ResidentUnit.community_id == cid).order_by(ResidentUnit.name)
    ).all()
    if _is_liaison():
        form.unit_id.choices = [(u.id, u.name) for u in units if u.id == current_user.resident_unit_id]
    else:
        form.unit_id.choices = [(0, "—")] + [(u.id, u.name) for u in units]
    form.unit_ids.choices = [(u.id, u.name) for u in units]
    # Names only: this list is shown to liaisons too.
    names = db.session.execute(
        select(Member.id, Member.name)
        .where(Member.community_id == cid, Member.status == MemberStatus.ACTIVE)
        .order_by(Member.name, Member.id)
    ).all()
    form.participant_ids.choices = [(mid, name) for mid, name in names]
    projects = select(CobuildingProject).where(CobuildingProject.community_id == cid)
    if _is_liaison():
        projects = projects.where(CobuildingProject.resident_unit_id == current_user.resident_unit_id)
    form.project_ids.choices = [(p.id, p.title) for p in db.session.scalars(projects.order_by(CobuildingProject.title))]


def _refuse_foreign_unit() -> None:
    """A liaison who names another unit in the form gets 403 before anything is read or written."""
    if _is_liaison() and request.method == "POST":
        raw = request.form.get("unit_id", "")
        if raw.strip() and raw.strip() != str(current_user.resident_unit_id):
            abort(403)


def _payload(form) -> dict:
    data = form_data(form, *rules.FIELDS)
    if data.get("other_count") is None:
        data["other_count"] = 0
    return data


@bp.route("/c/<int:cid>/activities/new", methods=["GET", "POST"])
@login_required
def new(cid):
    perm.require(perm.can_create_activity(current_user, cid))
    _refuse_foreign_unit()
    community = _community(cid)
    form = ActivityForm()
    _fill_choices(form, cid)
    if request.method == "GET" and _is_liaison():
        form.unit_id.data = current_user.resident_unit_id
    if form.validate_on_submit():
        created = {}

        def action():
            unit_id = current_user.resident_unit_id if _is_liaison() else form.unit_id.data
            created["a"] = rules.create_activity(
                current_user, cid, _payload(form), unit_id, form.unit_ids.data, form.participant_ids.data,
                form.project_ids.data,
            )

        if save(form, action):
            flash(f"已保存活动草稿“{created['a'].title}”。可上传照片，核对无误后提交社区确认。", "success")
            return redirect(url_for("activities.show", cid=cid, aid=created["a"].id))
    return render_template("activities/form.html", community=community, form=form, activity=None)


@bp.route("/c/<int:cid>/activities/<int:aid>")
@login_required
def show(cid, aid):
    activity = _load(cid, aid)
    return _render_show(activity)


def _render_show(activity, return_form=None, upload_form=None, status=200):
    allowed = rules.allowed_actions(activity, current_user)
    version_form = VersionForm(data={"version": activity.version})
    if return_form is None:
        return_form = ReturnForm(data={"version": activity.version})
    return render_template(
        "activities/show.html",
        activity=activity,
        allowed=allowed,
        version_form=version_form,
        return_form=return_form,
        upload_form=upload_form or UploadForm(),
        max_attachments=rules.MAX_ATTACHMENTS,
        can_list=perm.can_list_activities(current_user, activity.community_id),
    ), status


@bp.route("/c/<int:cid>/activities/<int:aid>/edit", methods=["GET", "POST"])
@login_required
def edit(cid, aid):
    activity = _load(cid, aid)
    perm.require(perm.can_author_activity(current_user, activity))
    _refuse_foreign_unit()
    if rules.EDIT not in rules.allowed_actions(activity, current_user):
        flash(f"该活动{activity.state.label}，不能修改。", "warning")
        return redirect(url_for("activities.show", cid=cid, aid=aid))
    form = ActivityEditForm(obj=activity)
    _fill_choices(form, cid)
    if request.method == "GET":
        form.kind.data = activity.kind.value
        form.unit_ids.data = [u.id for u in activity.units if u.id != activity.unit_id]
        form.participant_ids.data = [m.id for m in activity.participants]
        form.project_ids.data = [p.id for p in activity.projects]
        form.version.data = activity.version
    if form.validate_on_submit():
        def action():
            unit_id = current_user.resident_unit_id if _is_liaison() else form.unit_id.data
            rules.update_activity(current_user, activity, _payload(form), unit_id, form.unit_ids.data,
                                  form.participant_ids.data, form_version(form), form.project_ids.data)

        if save(form, action):
            flash("活动已保存。", "success")
            return redirect(url_for("activities.show", cid=cid, aid=aid))
    return render_template("activities/form.html", community=activity.community, form=form, activity=activity)


# --- state moves ---------------------------------------------------------------------------

@bp.route("/c/<int:cid>/activities/<int:aid>/submit", methods=["POST"])
@login_required
def submit(cid, aid):
    activity = _load(cid, aid)
    perm.require(perm.can_author_activity(current_user, activity))
    form = VersionForm()
    if save(None, lambda: rules.submit(current_user, activity, date.today(), form_version(form))):
        flash("活动已提交，等待社区确认。", "success")
    return redirect(url_for("activities.show", cid=cid, aid=aid))


@bp.route("/c/<int:cid>/activities/<int:aid>/confirm", methods=["POST"])
@login_required
def confirm(cid, aid):
    perm.require(perm.can_review_activity(current_user, cid))
    activity = _load(cid, aid)
    form = VersionForm()
    done = {}

    def action():
        done["steps"] = rules.confirm(current_user, activity, date.today(), form_version(form))

    if save(None, action):
        message = "活动已确认，计入统计。"
        if done["steps"]:
            names = "、".join(step.member.name for step in done["steps"])
            message += f"已为协管党员{names}登记服务记录。"
        flash(message, "success")
    return redirect(url_for("activities.show", cid=cid, aid=aid))


@bp.route("/c/<int:cid>/activities/<int:aid>/return", methods=["POST"])
@login_required
def return_(cid, aid):
    perm.require(perm.can_review_activity(current_user, cid))
    activity = _load(cid, aid)
    form = ReturnForm()
    if form.validate_on_submit() and save(
        form, lambda: rules.return_activity(current_user, activity, form.reason.data, form_version(form))
    ):
        flash("活动已退回联络员，退回理由会显示在其首页。", "success")
        return redirect(url_for("activities.show", cid=cid, aid=aid))
    db.session.refresh(activity)
    return _render_show(activity, return_form=form)


# --- attachments ---------------------------------------------------------------------------

@bp.route("/c/<int:cid>/activities/<int:aid>/attachments", methods=["POST"])
@login_required
def upload(cid, aid):
    activity = _load(cid, aid)
    perm.require(perm.can_author_activity(current_user, activity))
    form = UploadForm()
    files = [f for f in request.files.getlist("files") if f and f.filename]
    stored = []

    def action():
        rules.check_attachment_room(current_user, activity, len(files))
        for f in files:
            item = uploads.store_upload(f)
            stored.append(item)
            rules.add_attachment(current_user, activity, item)

    if form.validate_on_submit() and save(form, action):
        flash(f"已上传{len(stored)}个附件。", "success")
        return redirect(url_for("activities.show", cid=cid, aid=aid))
    for item in stored:  # the rows were rolled back: drop their files too
        uploads.discard(item.key)
    db.session.refresh(activity)
    return _render_show(activity, upload_form=form)


def _attachment(cid: int, aid: int, fid: int) -> JointActivityAttachment:
    activity = _load(cid, aid)
    att = db.session.get(JointActivityAttachment, fid)
    if att is None or att.activity_id != activity.id:
        abort(404)
    return att


def _send(path, mime: str, name: str, inline: bool) -> Response:
    # Read at once (at most 10 MB): no file handle stays open with the response.
    data = io.BytesIO(path.read_bytes())
    response = send_file(data, mimetype=mime, as_attachment=not inline, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/c/<int:cid>/activities/<int:aid>/attachments/<int:fid>")
@login_required
def download(cid, aid, fid):
    att = _attachment(cid, aid, fid)
    path = uploads.upload_path(att.key)
    if not path.exists():
        abort(404)
    # Photos open in the browser; PDFs are always downloaded, never rendered inside our pages.
    return _send(path, att.mime, att.original_name, inline=att.is_image)


@bp.route("/c/<int:cid>/activities/<int:aid>/attachments/<int:fid>/thumbnail")
@login_required
def thumbnail(cid, aid, fid):
    att = _attachment(cid, aid, fid)
    if not att.is_image or not uploads.upload_path(att.key).exists():
        abort(404)
    try:
        path = uploads.thumbnail(att.key)
    except DomainError:
        abort(404)
    return _send(path, "image/jpeg", f"thumb-{att.id}.jpg", inline=True)


@bp.route("/c/<int:cid>/activities/<int:aid>/attachments/<int:fid>/remove", methods=["POST"])
@login_required
def remove_attachment(cid, aid, fid):
    att = _attachment(cid, aid, fid)
    perm.require(perm.can_author_activity(current_user, att.activity))
    removed = {}

    def action():
        removed["key"] = rules.remove_attachment(current_user, att)

    if save(None, action):
        uploads.discard(removed["key"])
        flash("附件已删除。", "success")
    return redirect(url_for("activities.show", cid=cid, aid=aid))


# --- yearly summaries --------------------------------------------------------------------------

def _year_form(year: int) -> YearForm:
    form = YearForm(data={"year": str(year)})
    form.year.choices = [(str(y), f"{y}年") for y in _years()]
    return form


def _xlsx(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from urllib.parse import quote

    response.headers["Content-Disposition"] = f"attachment; filename=summary.xlsx; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/c/<int:cid>/activities/summary")
@login_required
def summary(cid):
    perm.require(perm.can_view_activity_summary(current_user, cid))
    community = _community(cid)
    year = _year_arg()
    return render_template(
        "activities/summary.html",
        community=community,
        summary=rules.community_summary(cid, year),
        kinds=list(ActivityKind),
        form=_year_form(year),
        year=year,
    )


@bp.route("/c/<int:cid>/activities/summary.xlsx")
@login_required
def summary_xlsx(cid):
    perm.require(perm.can_view_activity_summary(current_user, cid))
    community = _community(cid)
    year = _year_arg()
    data = rules.summary_workbook(community, rules.community_summary(cid, year))
    return _xlsx(data, f"{community.name}社区{year}年联建活动汇总.xlsx")


@bp.route("/activities/summary")
@login_required
def district_summary():
    perm.require(perm.can_view_district_activity_summary(current_user))
    year = _year_arg()
    rows, total, kinds = rules.district_summary(year)
    return render_template(
        "activities/district_summary.html",
        rows=rows, total=total, kind_rows=kinds, kinds=list(ActivityKind), form=_year_form(year), year=year,
    )


@bp.route("/activities/summary.xlsx")
@login_required
def district_summary_xlsx():
    perm.require(perm.can_view_district_activity_summary(current_user))
    year = _year_arg()
    rows, total, kinds = rules.district_summary(year)
    return _xlsx(rules.district_workbook(year, rows, total, kinds), f"{year}年全区联建活动汇总.xlsx")
