import io
from datetime import date
from urllib.parse import quote

from flask import (
    flash,
    make_response,
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
from ... import print_jobs
from ...domain import letters, rosters
from ...domain.errors import DomainError
from ...extensions import db
from ...models import (
    Branch,
    Building,
    Community,
    JobState,
    Member,
    OrgStatus,
    PartyGroup,
    PrintJob,
)
from ...printing import render_grid_pdf, render_pdf
from ..common import get_in_community
from . import bp
from .forms import RosterForm


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def pdf_response(data: bytes, filename: str, fallback: str):
    """A PDF download: the Chinese name as filename*=UTF-8''..., `fallback` for old browsers."""
    response = send_file(io.BytesIO(data), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"  # printouts carry personal data
    return response


def _fill_choices(form: RosterForm, cid: int, own_branch: int | None) -> None:
    stmt = select(Branch).where(Branch.community_id == cid, Branch.status == OrgStatus.ACTIVE)
    if own_branch:
        stmt = select(Branch).where(Branch.id == own_branch)
    branches = list(db.session.scalars(stmt.order_by(Branch.name)))
    groups = list(db.session.scalars(
        select(PartyGroup)
        .where(PartyGroup.branch_id.in_([b.id for b in branches]), PartyGroup.status == OrgStatus.ACTIVE)
        .options(selectinload(PartyGroup.branch))
        .order_by(PartyGroup.branch_id, PartyGroup.name)
    )) if branches else []
    buildings = db.session.scalars(select(Building).where(Building.community_id == cid).order_by(Building.name))
    form.branch.choices = ([] if own_branch else [("", "全部")]) + [(str(b.id), b.name) for b in branches]
    form.group.choices = [("", "全部")] + [(str(g.id), f"{g.branch.name} · {g.name}") for g in groups]
    form.building.choices = [("", "全部")] + [(str(b.id), b.name) for b in buildings]


@bp.route("/c/<int:cid>/print/roster")
@login_required
def roster(cid):
    perm.require(perm.can_print_roster(current_user, cid))
    community = db.get_or_404(Community, cid)
    own_branch = None if perm.can_view_community(current_user, cid) else current_user.branch_id
    may_unmask = perm.can_print_unmasked(current_user, cid)
    form = RosterForm(formdata=request.args if request.args else None)
    _fill_choices(form, cid, own_branch)
    if own_branch:
        perm.require(_int(form.branch.data) in (None, own_branch))
        form.branch.data = str(own_branch)
    if not may_unmask:
        perm.require(not form.unmasked.data)
    if request.args.get("download") and form.validate():
        try:
            scope = rosters.resolve_scope(community, _int(form.branch.data), _int(form.group.data),
                                          form.category.data, _int(form.building.data))
        except DomainError as err:
            field = getattr(form, err.field)
            field.errors = list(field.errors) + [err.message]
        else:
            branch_id = rosters.scope_branch_id(scope)
            perm.require(perm.can_print_roster(current_user, cid, branch_id))
            req = print_jobs.RosterRequest(
                branch_id=_int(form.branch.data), group_id=_int(form.group.data),
                category=form.category.data or None, building_id=_int(form.building.data),
                columns=rosters.clean_columns(form.columns.data), sort=form.sort.data or "name",
                show_id=bool(form.unmasked.data and may_unmask),
                show_personal=perm.can_see_roster_personal_data(current_user, cid, branch_id),
            )
            rows = rosters.count_members(scope)
            if rows > print_jobs.background_rows():
                jid = print_jobs.start_roster_job(current_user, community, req, rows, title=scope.title)
                return redirect(url_for("printing.job", cid=cid, jid=jid))
            data, pdf = print_jobs.render_roster(current_user, community, req, scope=scope)
            return pdf_response(pdf, *print_jobs.roster_filenames(data))
    return render_template("printing/roster.html", community=community, form=form, may_unmask=may_unmask,
                           other_printouts=_other_printouts(cid), background_rows=print_jobs.background_rows())


def _own_job(cid: int, jid: int) -> PrintJob:
    """The current user's print job `jid` of community `cid` (403 for anyone else's, 404 elsewhere)."""
    perm.require(perm.can_print_roster(current_user, cid))
    job = get_in_community(PrintJob, jid, cid)
    perm.require(job.user_id == current_user.id)
    return job


@bp.route("/c/<int:cid>/print/jobs")
@login_required
def jobs(cid):
    perm.require(perm.can_print_roster(current_user, cid))
    community = db.get_or_404(Community, cid)
    rows, expired = print_jobs.list_jobs(current_user, cid)
    if expired:
        db.session.commit()
    response = make_response(render_template(
        "printing/jobs.html", community=community, rows=rows,
        community_view=print_jobs.sees_community_jobs(current_user, cid),
        background_rows=print_jobs.background_rows(),
    ))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/c/<int:cid>/print/jobs/<int:jid>/remove", methods=["POST"])
@login_required
def job_remove(cid, jid):
    job = _own_job(cid, jid)
    title = job.title or "党员花名册"
    try:
        print_jobs.remove_file(job)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "danger")
    else:
        db.session.commit()
        flash(f"已删除“{title}”的 PDF 文件，任务记录仍保留在列表中。", "success")
    return redirect(url_for("printing.jobs", cid=cid))


@bp.route("/c/<int:cid>/print/jobs/<int:jid>")
@login_required
def job(cid, jid):
    job = _own_job(cid, jid)
    if print_jobs.expire_if_stale(job):
        db.session.commit()
    finished = job.state in (JobState.DONE, JobState.FAILED)
    response = make_response(render_template(
        "printing/job.html", community=db.get_or_404(Community, cid), job=job, finished=finished,
        file_ready=print_jobs.job_file(job) is not None,
    ))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/c/<int:cid>/print/jobs/<int:jid>/file")
@login_required
def job_file(cid, jid):
    job = _own_job(cid, jid)
    if job.state != JobState.DONE:
        return redirect(url_for("printing.job", cid=cid, jid=jid))
    path = print_jobs.job_file(job)
    if path is None:
        gone = "您已删除此 PDF 文件" if job.removed_at else "生成的 PDF 文件已过期删除"
        return render_template("errors/error.html", code=410, title="文件已不存在",
                               message=f"{gone}，请返回打印花名册页面重新生成。"), 410
    return pdf_response(path.read_bytes(), job.filename, f"roster_{job.id}.pdf")


@bp.route("/c/<int:cid>/members/<int:mid>/card.pdf")
@login_required
def member_card(cid, mid):
    # Who may not list members gets 403 before learning whether the record exists.
    perm.require(perm.can_list_members(current_user, cid) or perm.can_list_branch_members(current_user, cid))
    member = get_in_community(Member, mid, cid)
    perm.require(perm.can_view_member(current_user, member))
    unmasked = request.args.get("unmasked") == "1"
    if unmasked:
        perm.require(perm.can_see_id_number(current_user, member) and perm.can_print_unmasked(current_user, cid))
    data = rosters.build_card(member, show_id=unmasked,
                              show_personal=perm.can_see_personal_data(current_user, member))
    if unmasked:
        rosters.record_unmasked_print(current_user, member, data.title)
        db.session.commit()
    pdf = render_pdf("card.html", **vars(data))
    return pdf_response(pdf, f"{data.community_name}党员档案卡_{member.name}_{data.printed_on:%Y%m%d}.pdf",
                        f"member_card_{member.id}.pdf")


@bp.route("/c/<int:cid>/print/units.pdf")
@login_required
def units(cid):
    perm.require(perm.can_view_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    data = rosters.build_units(community, show_phones=perm.can_see_officer_phones(current_user, cid))
    pdf = render_grid_pdf("units.html", **data)
    return pdf_response(pdf, f"{data['community_name']}驻区单位名册_{date.today():%Y%m%d}.pdf",
                        f"units_{date.today():%Y%m%d}.pdf")


# --- the big party committee and in-service (协管) members -------------------------------------

def _other_printouts(cid: int) -> list[tuple[str, str]]:
    """Links to the community-wide printouts the current user may open (for the roster page)."""
    if not perm.can_view_community(current_user, cid):
        return []
    return [
        ("大党委委员名单", url_for("printing.committee", cid=cid)),
        ("在职党员报到花名册", url_for("printing.report_in", cid=cid)),
        ("驻区单位名册", url_for("printing.units", cid=cid)),
    ]


def _refused(message: str):
    """A printout that cannot be made for this record: a page saying why (400)."""
    return render_template("errors/error.html", code=400, title="无法打印", message=message), 400


@bp.route("/c/<int:cid>/print/committee.pdf")
@login_required
def committee(cid):
    perm.require(perm.can_view_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    data = letters.build_committee(community)
    pdf = render_pdf("committee.html", **data)
    return pdf_response(pdf, f"{data['title']}_{data['printed_on']:%Y%m%d}.pdf",
                        f"committee_{data['printed_on']:%Y%m%d}.pdf")


@bp.route("/c/<int:cid>/print/report-in.pdf")
@login_required
def report_in(cid):
    perm.require(perm.can_view_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    data = letters.build_report_in(
        community, show_phones=perm.can_see_roster_personal_data(current_user, cid, None))
    pdf = render_grid_pdf("report_in.html", **data)
    return pdf_response(pdf, f"{data['community_name']}{data['title']}_{data['printed_on']:%Y%m%d}.pdf",
                        f"report_in_{data['printed_on']:%Y%m%d}.pdf")


@bp.route("/c/<int:cid>/members/<int:mid>/report-receipt.pdf")
@login_required
def report_receipt(cid, mid):
    perm.require(perm.can_print_assisted_letters(current_user, cid))
    member = get_in_community(Member, mid, cid)
    try:
        data = letters.build_receipt(member)
    except DomainError as err:
        return _refused(err.message)
    pdf = render_pdf("receipt.html", **data)
    return pdf_response(pdf, f"报到回执_{member.name}_{date.today():%Y%m%d}.pdf", f"report_receipt_{member.id}.pdf")


@bp.route("/c/<int:cid>/members/<int:mid>/feedback-letter.pdf")
@login_required
def feedback_letter(cid, mid):
    perm.require(perm.can_print_assisted_letters(current_user, cid))
    member = get_in_community(Member, mid, cid)
    try:
        letters.assisted_info(member)
        year = letters.parse_year(request.args.get("year"), member)
        data = letters.build_feedback_letter(member, year)
    except DomainError as err:
        return _refused(err.message)
    pdf = render_pdf("feedback_letter.html", **vars(data))
    return pdf_response(pdf, f"{year}年度反馈函_{member.name}.pdf", f"feedback_letter_{member.id}_{year}.pdf")
