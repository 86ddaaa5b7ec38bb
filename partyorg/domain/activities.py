"""Joint activities (五联): their rules, their states, the service records they give, the yearly sums.

States: draft -> submitted -> confirmed, or submitted -> returned (with a reason) -> resubmitted ->
confirmed or returned again. Only a confirmed activity counts in statistics and service records,
and a confirmed activity is final. Functions flush; the caller commits.
"""
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    ActivityKind,
    ActivityState,
    Category,
    CobuildingProject,
    Community,
    JointActivity,
    JointActivityAttachment,
    Member,
    MemberStatus,
    ProjectStatus,
    ResidentUnit,
    Role,
    StepState,
    SupervisionStep,
    User,
    utcnow,
)
from ..models.activity import joint_activity_participant, joint_activity_unit
from . import audit, workflow
from .errors import DomainError, StaleEdit

FIELDS = ("kind", "title", "held_on", "start_time", "end_time", "place", "other_count", "hours", "summary")
MAX_ATTACHMENTS = 20
MAX_OTHER_COUNT = 10000
MAX_SUMMARY = 5000

EDITABLE = (ActivityState.DRAFT, ActivityState.RETURNED)
AWAITING = (ActivityState.SUBMITTED, ActivityState.RESUBMITTED)

EDIT, SUBMIT, CONFIRM, RETURN, UPLOAD = "edit", "submit", "confirm", "return", "upload"


# --- who may do what -------------------------------------------------------------------

def _office(user: User, community_id: int) -> bool:
    return user.role in (Role.SECRETARY, Role.STAFF) and user.community_id == community_id


def _author(user: User, activity: JointActivity) -> bool:
    if _office(user, activity.community_id):
        return True
    return (
        user.role == Role.LIAISON
        and user.community_id == activity.community_id
        and user.resident_unit_id is not None
        and user.resident_unit_id == activity.unit_id
    )


def allowed_actions(activity: JointActivity, user: User) -> set[str]:
    """What `user` may do with `activity` now (drives the buttons)."""
    actions = set()
    if activity.state in EDITABLE and _author(user, activity):
        actions |= {EDIT, SUBMIT, UPLOAD}
    if activity.state in AWAITING and _office(user, activity.community_id):
        actions |= {CONFIRM, RETURN}
    return actions


def _refuse_state(activity: JointActivity, doing: str) -> None:
    if activity.state == ActivityState.CONFIRMED:
        raise DomainError(f"该活动已确认，不能再{doing}。")
    if activity.state in AWAITING:
        raise DomainError(f"该活动已提交，正等待社区确认，不能{doing}。")
    raise DomainError(f"该活动处于“{activity.state.label}”状态，不能{doing}。")


def _require_author(actor: User, activity: JointActivity) -> None:
    if not _author(actor, activity):
        raise DomainError("只有主办单位的联络员或社区党委书记、社区工作人员可以修改此活动。")


def _require_office(actor: User, activity: JointActivity) -> None:
    if not _office(actor, activity.community_id):
        raise DomainError("只有本社区党委书记或社区工作人员可以确认或退回活动。")


# --- checking the content ----------------------------------------------------------------

def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def span_hours(start: time | None, end: time | None) -> float | None:
    if start is None or end is None:
        return None
    return (_minutes(end) - _minutes(start)) / 60


def _clean(data: dict) -> dict:
    out = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    kind = out.get("kind")
    if not kind:
        raise DomainError("请选择活动类别。", "kind")
    try:
        out["kind"] = ActivityKind(kind)
    except ValueError:
        raise DomainError("活动类别只能是党建工作联做、社会治安联防、公益事业联办、贫困对象联帮或文明小区联建。",
                          "kind") from None
    if not out.get("title"):
        raise DomainError("请填写活动名称。", "title")
    if len(out["title"]) > 100:
        raise DomainError("活动名称不能超过100个字。", "title")
    if out.get("held_on") is None:
        raise DomainError("请填写活动日期。", "held_on")
    if out.get("start_time") is None:
        raise DomainError("请填写开始时间。", "start_time")
    if out.get("end_time") is None:
        raise DomainError("请填写结束时间。", "end_time")
    span = span_hours(out["start_time"], out["end_time"])
    if span <= 0:
        raise DomainError("结束时间应晚于开始时间。", "end_time")
    if not out.get("place"):
        raise DomainError("请填写活动地点。", "place")
    if len(out["place"]) > 100:
        raise DomainError("活动地点不能超过100个字。", "place")
    other = out.get("other_count") or 0
    if other < 0:
        raise DomainError("其他参加人数不能为负数。", "other_count")
    if other > MAX_OTHER_COUNT:
        raise DomainError(f"其他参加人数不合理，请核对（不超过{MAX_OTHER_COUNT}人）。", "other_count")
    out["other_count"] = int(other)
    hours = out.get("hours")
    hours = 0.0 if hours is None else float(hours)
    if hours < 0:
        raise DomainError("服务时长不能为负数。", "hours")
    if hours > span + 1e-9:
        raise DomainError(f"每人服务时长不能超过活动时长（{span:g}小时）。", "hours")
    out["hours"] = round(hours, 1)
    out["summary"] = out.get("summary") or ""
    if len(out["summary"]) > MAX_SUMMARY:
        raise DomainError(f"活动内容不能超过{MAX_SUMMARY}个字。", "summary")
    return out


def _ids(values) -> list[int]:
    out = []
    for v in values or ():
        try:
            n = int(v)
        except (TypeError, ValueError):
            continue
        if n and n not in out:
            out.append(n)
    return out


def _owner_unit(actor: User, community_id: int, unit_id) -> ResidentUnit:
    unit = db.session.get(ResidentUnit, unit_id) if unit_id else None
    if unit is None or unit.community_id != community_id:
        raise DomainError("请选择本社区的驻区单位作为主办单位。", "unit_id")
    if actor.role == Role.LIAISON and unit.id != actor.resident_unit_id:
        raise DomainError("联络员只能为本单位登记活动。", "unit_id")
    return unit


def _units(community_id: int, owner: ResidentUnit, unit_ids) -> list[ResidentUnit]:
    ids = [i for i in _ids(unit_ids) if i != owner.id]
    units = list(db.session.scalars(select(ResidentUnit).where(ResidentUnit.id.in_(ids)))) if ids else []
    if len(units) != len(ids) or any(u.community_id != community_id for u in units):
        raise DomainError("协办单位须是本社区的驻区单位。", "unit_ids")
    return [owner] + units


def _participants(community_id: int, member_ids) -> list[Member]:
    ids = _ids(member_ids)
    if not ids:
        return []
    members = list(db.session.scalars(select(Member).where(Member.id.in_(ids))))
    if len(members) != len(ids) or any(m.community_id != community_id for m in members):
        raise DomainError("参加党员须是本社区的党员，请从本社区花名册中选择。", "participant_ids")
    gone = [m.name for m in members if m.status != MemberStatus.ACTIVE]
    if gone:
        raise DomainError(f"{'、'.join(gone)}已不在册，不能作为参加党员。", "participant_ids")
    return members


def _projects(community_id: int, units: list[ResidentUnit], project_ids) -> list[CobuildingProject]:
    ids = _ids(project_ids)
    if not ids:
        return []
    projects = list(db.session.scalars(select(CobuildingProject).where(CobuildingProject.id.in_(ids))))
    if len(projects) != len(ids) or any(p.community_id != community_id for p in projects):
        raise DomainError("所实施的项目须是本社区的共建项目。", "project_ids")
    unit_ids = {u.id for u in units}
    foreign = [p.title for p in projects if p.resident_unit_id not in unit_ids]
    if foreign:
        raise DomainError(f"项目“{'、'.join(foreign)}”的承担单位没有参加本活动，请先把该单位列为协办单位。",
                          "project_ids")
    return projects


def _names(items) -> str:
    return "、".join(sorted(getattr(i, "name", None) or getattr(i, "title", "") for i in items))


def _set_links(actor: User, activity: JointActivity, units, members, projects) -> None:
    for name, new in (("units", units), ("participants", members), ("projects", projects)):
        old = getattr(activity, name)
        if {o.id for o in old} != {n.id for n in new}:
            audit.record(actor, activity, "update", name, _names(old), _names(new))
            setattr(activity, name, list(new))
            # Touch the row so that the version moves even when only the links changed.
            activity.updated_at = utcnow()


# --- creating and editing -----------------------------------------------------------------

def create_activity(
    actor: User, community_id: int, data: dict, unit_id, unit_ids=(), participant_ids=(), project_ids=()
) -> JointActivity:
    """Record a new draft activity of `community_id` (a liaison only for his own unit)."""
    if not (_office(actor, community_id) or (actor.role == Role.LIAISON and actor.community_id == community_id)):
        raise DomainError("您无权为本社区登记联建活动。")
    clean = _clean(data)
    owner = _owner_unit(actor, community_id, unit_id)
    units = _units(community_id, owner, unit_ids)
    members = _participants(community_id, participant_ids)
    projects = _projects(community_id, units, project_ids)
    activity = JointActivity(
        community_id=community_id, unit_id=owner.id, state=ActivityState.DRAFT, created_by_id=actor.id, **clean
    )
    activity.units = units
    activity.participants = members
    activity.projects = projects
    db.session.add(activity)
    audit.record_create(actor, activity)
    return activity


def update_activity(
    actor: User,
    activity: JointActivity,
    data: dict,
    unit_id,
    unit_ids=(),
    participant_ids=(),
    expected_version: int | None = None,
    project_ids=(),
) -> list[str]:
    """Change a draft or returned activity; audit each change."""
    if expected_version is not None and activity.version != expected_version:
        raise StaleEdit()
    _require_author(actor, activity)
    if activity.state not in EDITABLE:
        _refuse_state(activity, "修改")
    clean = _clean(data)
    owner = _owner_unit(actor, activity.community_id, unit_id)
    units = _units(activity.community_id, owner, unit_ids)
    members = _participants(activity.community_id, participant_ids)
    projects = _projects(activity.community_id, units, project_ids)
    clean["unit_id"] = owner.id
    changed = audit.apply_changes(actor, activity, clean)
    _set_links(actor, activity, units, members, projects)
    db.session.flush()
    return changed


# --- moving between states ------------------------------------------------------------------

def _move(actor: User, activity: JointActivity, new_state: ActivityState) -> None:
    audit.record(actor, activity, "status", "state", activity.state, new_state)
    activity.state = new_state


def submit(actor: User, activity: JointActivity, today: date, expected_version: int | None = None) -> None:
    """Send a draft or returned activity to the community for confirmation."""
    if expected_version is not None and activity.version != expected_version:
        raise StaleEdit()
    _require_author(actor, activity)
    if activity.state not in EDITABLE:
        _refuse_state(activity, "再次提交")
    if activity.held_on > today:
        raise DomainError("活动日期在今天之后，活动开展后才能提交。", "held_on")
    _clean({f: getattr(activity, f) for f in FIELDS})
    if activity.head_count == 0:
        raise DomainError("请先填写参加人员（本社区党员或其他参加人数），再提交。", "participant_ids")
    resubmit = activity.state == ActivityState.RETURNED
    _move(actor, activity, ActivityState.RESUBMITTED if resubmit else ActivityState.SUBMITTED)
    activity.submitted_at = utcnow()
    db.session.flush()


def return_activity(
    actor: User, activity: JointActivity, reason: str, expected_version: int | None = None
) -> None:
    """Send a submitted activity back to its unit with a reason."""
    if expected_version is not None and activity.version != expected_version:
        raise StaleEdit()
    _require_office(actor, activity)
    if activity.state not in AWAITING:
        _refuse_state(activity, "退回")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("退回须填写理由，告诉联络员需要补充或更正什么。", "reason")
    if len(reason) > 200:
        raise DomainError("退回理由不能超过200个字。", "reason")
    _move(actor, activity, ActivityState.RETURNED)
    audit.record(actor, activity, "update", "return_reason", activity.return_reason, reason)
    activity.return_reason = reason
    activity.reviewed_at = utcnow()
    activity.reviewed_by_id = actor.id
    db.session.flush()


def confirm(
    actor: User, activity: JointActivity, today: date, expected_version: int | None = None
) -> list[SupervisionStep]:
    """Confirm a submitted activity; complete the service record of every assisted participant.

    Returns the service-record steps completed.
    """
    if expected_version is not None and activity.version != expected_version:
        raise StaleEdit()
    _require_office(actor, activity)
    if activity.state not in AWAITING:
        _refuse_state(activity, "确认")
    if activity.held_on > today:
        raise DomainError("活动日期在今天之后，不能确认。", "held_on")
    _move(actor, activity, ActivityState.CONFIRMED)
    activity.reviewed_at = utcnow()
    activity.reviewed_by_id = actor.id
    db.session.flush()
    return record_service(activity, actor, today)


# --- service records for assisted members (协管) -----------------------------------------------

def service_step_for(member: Member, on: date) -> SupervisionStep | None:
    """The member's pending service-record step of the half year containing `on`, if any."""
    key = workflow.period_key(workflow.HALF_YEAR, on)
    return db.session.scalar(
        select(SupervisionStep).where(
            SupervisionStep.member_id == member.id,
            SupervisionStep.category == Category.ASSISTED,
            SupervisionStep.step_code == "service_record",
            SupervisionStep.period_key == key,
            SupervisionStep.state == StepState.PENDING,
        )
    )


def record_service(activity: JointActivity, actor: User, today: date) -> list[SupervisionStep]:
    """Complete, through the workflow engine, the service records this confirmed activity gives."""
    if activity.state != ActivityState.CONFIRMED or not activity.hours:
        return []
    done = []
    for member in activity.participants:
        if member.category != Category.ASSISTED or member.status != MemberStatus.ACTIVE:
            continue
        step = service_step_for(member, activity.held_on)
        if step is None:
            continue
        workflow.apply(
            step,
            workflow.COMPLETE,
            actor,
            today,
            note=f"参加联建活动“{activity.title}”（{activity.held_on:%Y-%m-%d}，{activity.kind.label}）",
            evidence=f"联建活动#{activity.id}",
            hours=activity.hours,
        )
        done.append(step)
    return done


# --- attachments ---------------------------------------------------------------------------

def check_attachment_room(actor: User, activity: JointActivity, adding: int) -> None:
    """Refuse before any file is stored: wrong state, not the author, or more than 20 in all."""
    _require_author(actor, activity)
    if activity.state not in EDITABLE:
        _refuse_state(activity, "添加附件")
    if adding <= 0:
        raise DomainError("请选择要上传的照片或PDF文件。", "files")
    have = len(activity.attachments)
    if have + adding > MAX_ATTACHMENTS:
        left = MAX_ATTACHMENTS - have
        raise DomainError(
            f"每个活动最多{MAX_ATTACHMENTS}个附件，已有{have}个，" + (f"最多还能上传{left}个。" if left else "不能再上传。"),
            "files",
        )


def add_attachment(actor: User, activity: JointActivity, stored) -> JointActivityAttachment:
    """Record a file already stored by `uploads.store_upload`."""
    check_attachment_room(actor, activity, 1)
    att = JointActivityAttachment(
        key=stored.key, mime=stored.mime, size=stored.size, original_name=stored.original_name,
        uploaded_by_id=actor.id,
    )
    activity.attachments.append(att)
    db.session.flush()
    audit.record(actor, att, "create", "original_name", "", att.original_name)
    db.session.flush()
    return att


def remove_attachment(actor: User, att: JointActivityAttachment) -> str:
    """Remove an attachment while the activity may still be edited; return its key (file to discard)."""
    activity = att.activity
    _require_author(actor, activity)
    if activity.state not in EDITABLE:
        _refuse_state(activity, "删除附件")
    audit.record(actor, att, "delete", "original_name", att.original_name, "")
    key = att.key
    activity.attachments.remove(att)
    db.session.flush()
    return key


# --- yearly summaries ------------------------------------------------------------------------

@dataclass
class Tally:
    count: int = 0
    members: int = 0
    others: int = 0
    hours: float = 0.0
    projects: int = 0
    by_kind: dict = field(default_factory=lambda: {k: 0 for k in ActivityKind})

    @property
    def people(self) -> int:
        return self.members + self.others

    def add(self, activity, member_count: int) -> None:
        """Count `activity` (anything with kind, other_count and hours) with its `member_count`."""
        self.count += 1
        self.by_kind[activity.kind] += 1
        self.members += member_count
        self.others += activity.other_count or 0
        self.hours += (activity.hours or 0) * (member_count + (activity.other_count or 0))


def participant_counts(activity_ids) -> dict[int, int]:
    """Member participants per activity, in one query (absent: none)."""
    ids = list(activity_ids)
    if not ids:
        return {}
    stmt = (
        select(joint_activity_participant.c.activity_id, func.count())
        .where(joint_activity_participant.c.activity_id.in_(ids))
        .group_by(joint_activity_participant.c.activity_id)
    )
    return dict(db.session.execute(stmt).all())


def _confirmed_filter(community_ids, year: int) -> list:
    where = [
        JointActivity.state == ActivityState.CONFIRMED,
        JointActivity.held_on >= date(year, 1, 1),
        JointActivity.held_on <= date(year, 12, 31),
    ]
    if community_ids is not None:
        where.append(JointActivity.community_id.in_(list(community_ids)))
    return where


def confirmed_in_year(community_ids, year: int) -> list:
    """Confirmed activities of the year as rows (id, community_id, kind, other_count, hours, members).

    Plain rows with the member count computed by the database: the summaries need numbers, not the
    participants themselves, and a district's year holds thousands of activities.
    """
    members = (
        select(func.count())
        .where(joint_activity_participant.c.activity_id == JointActivity.id)
        .correlate(JointActivity)
        .scalar_subquery()
    )
    stmt = (
        select(JointActivity.id, JointActivity.community_id, JointActivity.kind, JointActivity.other_count,
               JointActivity.hours, members.label("members"))
        .where(*_confirmed_filter(community_ids, year))
        .order_by(JointActivity.held_on, JointActivity.id)
    )
    return db.session.execute(stmt).all()


def _units_of_confirmed(community_ids, year: int) -> dict[int, list[int]]:
    """Activity id -> ids of the units taking part, for the confirmed activities of the year."""
    stmt = (
        select(joint_activity_unit.c.activity_id, joint_activity_unit.c.unit_id)
        .join(JointActivity, JointActivity.id == joint_activity_unit.c.activity_id)
        .where(*_confirmed_filter(community_ids, year))
    )
    out: dict[int, list[int]] = {}
    for activity_id, unit_id in db.session.execute(stmt):
        out.setdefault(activity_id, []).append(unit_id)
    return out


def projects_done(community_ids, year: int) -> dict[int, int]:
    """Co-building projects finished in `year`, per resident unit."""
    stmt = (
        select(CobuildingProject.resident_unit_id, func.count())
        .where(
            CobuildingProject.status == ProjectStatus.DONE,
            CobuildingProject.finished_on >= date(year, 1, 1),
            CobuildingProject.finished_on <= date(year, 12, 31),
        )
        .group_by(CobuildingProject.resident_unit_id)
    )
    if community_ids is not None:
        stmt = stmt.where(CobuildingProject.community_id.in_(list(community_ids)))
    return dict(db.session.execute(stmt).all())


@dataclass
class Summary:
    year: int
    units: list = field(default_factory=list)  # (ResidentUnit, Tally)
    kinds: list = field(default_factory=list)  # (ActivityKind, Tally)
    total: Tally = field(default_factory=Tally)


def community_summary(community_id: int, year: int) -> Summary:
    """Per unit (an activity counts for every unit taking part) and per kind, for one community."""
    units = list(db.session.scalars(
        select(ResidentUnit).where(ResidentUnit.community_id == community_id).order_by(ResidentUnit.name)
    ))
    per_unit = {u.id: Tally() for u in units}
    per_kind = {k: Tally() for k in ActivityKind}
    total = Tally()
    units_of = _units_of_confirmed([community_id], year)
    for a in confirmed_in_year([community_id], year):
        n = a.members
        total.add(a, n)
        per_kind[a.kind].add(a, n)
        for unit_id in units_of.get(a.id, ()):
            per_unit.setdefault(unit_id, Tally()).add(a, n)
    done = projects_done([community_id], year)
    for unit_id, count in done.items():
        if unit_id in per_unit:
            per_unit[unit_id].projects = count
    total.projects = sum(done.values())
    return Summary(
        year=year,
        units=[(u, per_unit[u.id]) for u in units],
        kinds=[(k, per_kind[k]) for k in ActivityKind],
        total=total,
    )


def district_summary(year: int) -> tuple[list, Tally, list]:
    """Per community and per kind across the district: (rows of (Community, Tally), total, kinds)."""
    communities = list(db.session.scalars(select(Community).order_by(Community.id)))
    per_community = {c.id: Tally() for c in communities}
    per_kind = {k: Tally() for k in ActivityKind}
    total = Tally()
    for a in confirmed_in_year(None, year):
        n = a.members
        per_community.setdefault(a.community_id, Tally()).add(a, n)
        per_kind[a.kind].add(a, n)
        total.add(a, n)
    done = projects_done(None, year)
    if done:
        unit_community = dict(db.session.execute(
            select(ResidentUnit.id, ResidentUnit.community_id).where(ResidentUnit.id.in_(list(done)))
        ).all())
        for unit_id, count in done.items():
            cid = unit_community.get(unit_id)
            if cid in per_community:
                per_community[cid].projects += count
        total.projects = sum(done.values())
    return [(c, per_community[c.id]) for c in communities], total, [(k, per_kind[k]) for k in ActivityKind]


# --- Excel ---------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _sheet_text(value: str) -> str:
    """`value` without the control characters a workbook cannot hold (openpyxl refuses them in a cell:
    a 500; in the document's title they make a file Excel cannot open)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str):
        value = _sheet_text(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def _sheet(wb, title: str, head: list[str], rows: list[list], first: bool = False):
    from openpyxl.styles import Font

    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    ws.column_dimensions["A"].width = 28
    ws.freeze_panes = "B2"
    return ws


KIND_HEAD = [k.label for k in ActivityKind]
TALLY_HEAD = ["活动次数", "参加党员（人次）", "其他参加人员（人次）", "参加人员合计（人次）", "服务时长（小时）"]


def _tally_row(t: Tally) -> list:
    return [t.count, t.members, t.others, t.people, round(t.hours, 1)]


def summary_workbook(community: Community, summary: Summary) -> bytes:
    """The community's yearly summary as an .xlsx file."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    unit_rows = [[u.name, *[t.by_kind[k] for k in ActivityKind], *_tally_row(t), t.projects] for u, t in summary.units]
    unit_rows.append(["合计（按活动计）", *[summary.total.by_kind[k] for k in ActivityKind],
                      *_tally_row(summary.total), summary.total.projects])
    _sheet(wb, "按单位", ["驻区单位", *KIND_HEAD, *TALLY_HEAD, "完成共建项目（个）"], unit_rows, first=True)
    kind_rows = [[k.label, *_tally_row(t)] for k, t in summary.kinds]
    kind_rows.append(["合计", *_tally_row(summary.total)])
    _sheet(wb, "按类别", ["活动类别", *TALLY_HEAD], kind_rows)
    wb.properties.title = _sheet_text(f"{community.name}社区{summary.year}年联建活动汇总")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def district_workbook(year: int, rows: list, total: Tally, kinds: list) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    data = [[c.name, *[t.by_kind[k] for k in ActivityKind], *_tally_row(t), t.projects] for c, t in rows]
    data.append(["合计", *[total.by_kind[k] for k in ActivityKind], *_tally_row(total), total.projects])
    _sheet(wb, "按社区", ["社区", *KIND_HEAD, *TALLY_HEAD, "完成共建项目（个）"], data, first=True)
    kind_rows = [[k.label, *_tally_row(t)] for k, t in kinds]
    kind_rows.append(["合计", *_tally_row(total)])
    _sheet(wb, "按类别", ["活动类别", *TALLY_HEAD], kind_rows)
    wb.properties.title = f"{year}年全区联建活动汇总"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
