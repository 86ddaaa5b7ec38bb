"""Member records (党员档案): the rules for registering, editing and leaving active supervision."""
import re
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from .. import permissions
from ..extensions import db
from ..models import (
    EDUCATION_CHOICES,
    AssistedInfo,
    AuditEntry,
    Branch,
    Building,
    Category,
    DualInfo,
    Gender,
    Member,
    MemberStatus,
    MemberType,
    OrgStatus,
    PartyGroup,
    StairUnit,
    StepState,
    SupervisionStep,
    TakeoverInfo,
)
from . import audit, idnumber, workflow
from .errors import DomainError, StaleEdit

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")

#: The fields a member form edits, in the order the record card shows them.
FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "id_number", "education", "member_type", "joined_on",
    "full_on", "work_unit", "post", "phone", "building_id", "stair_unit_id", "room", "branch_id",
    "group_id", "category", "relation_here",
)

#: Chinese labels of the member's fields, for error messages and the change history.
FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "ethnicity": "民族",
    "birth_date": "出生日期",
    "id_number": "公民身份号码",
    "id_legacy": "旧版15位号码",
    "education": "学历",
    "member_type": "党员类型",
    "joined_on": "入党日期",
    "full_on": "转正日期",
    "work_unit": "工作单位",
    "post": "职务",
    "phone": "联系电话",
    "building_id": "楼栋",
    "stair_unit_id": "单元",
    "room": "房号",
    "branch_id": "所在党支部",
    "group_id": "所在党小组",
    "category": "管理类别",
    "relation_here": "正式组织关系在本社区",
    "status": "状态",
    "status_on": "状态变更日期",
    "status_reason": "变更原因",
}

ACTION_LABELS = {"create": "新建档案", "update": "修改", "status": "状态变更", "reveal": "查看完整身份证号",
                 "import": "Excel导入"}

#: Text fields and their column lengths.
LIMITS = {"name": 50, "ethnicity": 20, "work_unit": 100, "post": 50, "room": 20, "status_reason": 200}

#: The statuses by which a member leaves active supervision (the record is kept).
LEAVING_STATUSES = (
    MemberStatus.TRANSFERRED_OUT, MemberStatus.DECEASED, MemberStatus.LEFT_PARTY, MemberStatus.OTHER,
)

#: History values of these fields are personal data (address, phone).
PERSONAL_FIELDS = {"phone", "building_id", "stair_unit_id", "room"}


def eighteenth_birthday(birth: date) -> date:
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:  # born on 29 February
        return date(birth.year + 18, 3, 1)


def _enum(enum_cls, value, field: str):
    try:
        return enum_cls(value)
    except ValueError:
        raise DomainError(f"请选择{FIELD_LABELS[field]}。", field) from None


#: Stands for an unreadable or out-of-range record id: no record has it, so the usual
#: "does not belong" rule refuses it.
_NO_RECORD = -1


def _ref_id(value) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return _NO_RECORD
    # Ids are 32-bit INTEGER columns on PostgreSQL (SQLite's would go to 2**63).
    return number if 0 < number < 2**31 else _NO_RECORD


def _clean(data: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


def _id_variants(number: str) -> set[str]:
    """The same person's number in both generations, so a 15-digit number finds its 18-digit twin."""
    out = {number}
    if len(number) == 15:
        body = number[:6] + "19" + number[6:]
        out.add(body + idnumber.ric.calc_check_digit(body + "0"))
    elif len(number) == 18 and number[6:8] == "19":
        out.add(number[:6] + number[8:17])
    return out


def _check_unique_id(actor, number: str, member: Member | None, registered: dict | None = None) -> None:
    # Only records still under supervision conflict: a member transferred out of one community
    # may be registered again by the community he moves to.
    if registered is not None:
        # The caller looked up all active members with these numbers at once (the Excel import).
        others = (registered.get(v) for v in _id_variants(number))
        other = next((o for o in others if o is not None and (member is None or o.id != member.id)), None)
    else:
        stmt = select(Member).where(Member.id_number.in_(_id_variants(number)), Member.status == MemberStatus.ACTIVE)
        if member is not None and member.id is not None:
            stmt = stmt.where(Member.id != member.id)
        other = db.session.scalars(stmt.limit(1)).first()
    if other is None:
        return
    if actor is not None and permissions.can_view_member(actor, other):
        raise DomainError(f"该身份证号码已登记为{other.name}党员。", "id_number")
    raise DomainError("该身份证号码已登记。", "id_number")


def _in_community(model, obj_id: int | None, community_id: int, field: str):
    if obj_id is None:
        return None
    obj = db.session.get(model, obj_id)
    if obj is None or obj.community_id != community_id:
        raise DomainError(f"所选{FIELD_LABELS[field]}不属于本社区。", field)
    return obj


def check(actor, community_id: int, data: dict, member: Member | None = None, today: date | None = None,
          registered: dict | None = None) -> dict:
    """Check a member's fields against the rules; return the values to store.

    Raises DomainError naming the field at the first broken rule. `registered` (ID number -> active
    member, for every number being checked) saves a query per record when checking many at once.
    """
    today = today or date.today()
    d = _clean(data)
    out: dict = {}
    for field, value in d.items():
        # PostgreSQL cannot store a NUL character in text (SQLite would).
        if isinstance(value, str) and "\x00" in value:
            raise DomainError(f"{FIELD_LABELS.get(field, '所填内容')}含有无效字符。", field)

    if not d.get("name"):
        raise DomainError("请填写姓名。", "name")
    for field in ("name", "ethnicity", "work_unit", "post", "room"):
        value = d.get(field) or ""
        if len(value) > LIMITS[field]:
            raise DomainError(f"{FIELD_LABELS[field]}不能超过{LIMITS[field]}个字符。", field)
        out[field] = value
    out["ethnicity"] = out["ethnicity"] or "汉族"

    out["gender"] = gender = _enum(Gender, d.get("gender"), "gender")
    out["member_type"] = member_type = _enum(MemberType, d.get("member_type"), "member_type")
    out["category"] = category = _enum(Category, d.get("category"), "category")

    education = d.get("education") or ""
    if education and education not in EDUCATION_CHOICES:
        raise DomainError("请从列表中选择学历。", "education")
    out["education"] = education

    for field in ("birth_date", "joined_on"):
        if d.get(field) is None:
            raise DomainError(f"请填写{FIELD_LABELS[field]}。", field)
    for field in ("birth_date", "joined_on", "full_on"):
        if d.get(field) and d[field] > today:
            raise DomainError(f"{FIELD_LABELS[field]}不能晚于今天。", field)
        out[field] = d.get(field)

    if not d.get("id_number"):
        raise DomainError("请填写公民身份号码。", "id_number")
    parsed = idnumber.parse(d["id_number"], today)
    idnumber.check_consistent(parsed, out["birth_date"], gender.value)
    out["id_number"] = parsed.number
    out["id_legacy"] = parsed.legacy
    _check_unique_id(actor, parsed.number, member, registered)

    adult_on = eighteenth_birthday(out["birth_date"])
    if out["joined_on"] < adult_on:
        raise DomainError(f"入党时应年满18周岁（最早为 {adult_on.isoformat()}）。", "joined_on")
    if member_type == MemberType.PROBATIONARY and out["full_on"]:
        raise DomainError("预备党员尚未转正，不应填写转正日期。", "full_on")
    if out["full_on"] and out["full_on"] < out["joined_on"]:
        raise DomainError("转正日期不能早于入党日期。", "full_on")

    phone = (d.get("phone") or "").replace(" ", "")
    if phone and not (MOBILE.match(phone) or LANDLINE.match(phone)):
        raise DomainError("联系电话应为11位手机号码，或带区号的固定电话（如 0937-6221234）。", "phone")
    out["phone"] = phone

    _check_places(community_id, d, out)
    _check_branch(community_id, d, out, member)

    relation_here = bool(d.get("relation_here"))
    if category == Category.ASSISTED:
        if relation_here:
            raise DomainError("协管党员的正式组织关系在原单位，不能选择“正式组织关系在本社区”。", "relation_here")
    elif category in (Category.DIRECT, Category.TAKEOVER):
        relation_here = True  # by definition their relationship is in the community
    out["relation_here"] = relation_here
    return out


def _check_places(community_id: int, d: dict, out: dict) -> None:
    building = _in_community(Building, _ref_id(d.get("building_id")), community_id, "building_id")
    stair_id = _ref_id(d.get("stair_unit_id"))
    if stair_id is not None:
        stair = db.session.get(StairUnit, stair_id)
        if stair is None or building is None or stair.building_id != building.id:
            raise DomainError("所选单元不属于所选楼栋。", "stair_unit_id")
    out["building_id"] = building.id if building else None
    out["stair_unit_id"] = stair_id


def _check_branch(community_id: int, d: dict, out: dict, member: Member | None) -> None:
    branch = _in_community(Branch, _ref_id(d.get("branch_id")), community_id, "branch_id")
    keeps = member is not None
    if branch is not None and branch.status != OrgStatus.ACTIVE and not (keeps and member.branch_id == branch.id):
        raise DomainError("该党支部已撤销，不能再编入党员。", "branch_id")
    group_id = _ref_id(d.get("group_id"))
    if group_id is not None:
        group = db.session.get(PartyGroup, group_id)
        if group is None or branch is None or group.branch_id != branch.id:
            raise DomainError("所选党小组不属于所选党支部。", "group_id")
        if group.status != OrgStatus.ACTIVE and not (keeps and member.group_id == group.id):
            raise DomainError("该党小组已撤销，不能再编入党员。", "group_id")
    out["branch_id"] = branch.id if branch else None
    out["group_id"] = group_id


def create_member(actor, community_id: int, data: dict, today: date | None = None) -> Member:
    """Register a member of `community_id`; audited."""
    values = check(actor, community_id, data, today=today)
    member = Member(community_id=community_id, status=MemberStatus.ACTIVE, **values)
    db.session.add(member)
    audit.record_create(actor, member)
    workflow.open_plan(member, actor, today or date.today())
    return member


def update_member(actor, member: Member, data: dict, expected_version: int | None, today: date | None = None) -> list[str]:
    """Edit a member's record; one audit row per changed field; refuse a stale edit."""
    if expected_version is not None and member.version != expected_version:
        raise StaleEdit()
    values = check(actor, member.community_id, data, member=member, today=today)
    new_category = values.pop("category", member.category)
    changed = audit.apply_changes(actor, member, values, expected_version)
    if new_category != member.category:
        # A category change closes the old plan and opens the new one, as on the plan page.
        workflow.change_category(member, new_category, actor, today or date.today(), "修改档案时变更管理类别")
        changed.append("category")
    return changed


def change_status(actor, member: Member, status, on: date | None, reason: str,
                  expected_version: int | None = None, today: date | None = None) -> None:
    """Take a member out of active supervision (转出, 去世, 出党, 其他); the record stays."""
    today = today or date.today()
    status = _enum(MemberStatus, status, "status")
    if status not in LEAVING_STATUSES:
        raise DomainError("请选择变更后的状态。", "status")
    if status == member.status:
        raise DomainError(f"该党员当前已是“{status.label}”状态。", "status")
    if on is None:
        raise DomainError("请填写变更日期。", "status_on")
    if on > today:
        raise DomainError("变更日期不能晚于今天。", "status_on")
    if on < member.joined_on:
        raise DomainError("变更日期不能早于入党日期。", "status_on")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写变更原因（转出时填写介绍信编号和转往单位）。", "status_reason")
    if len(reason) > LIMITS["status_reason"]:
        raise DomainError(f"变更原因不能超过{LIMITS['status_reason']}个字符。", "status_reason")
    if expected_version is not None and member.version != expected_version:
        raise StaleEdit()
    for field, new in (("status", status), ("status_on", on), ("status_reason", reason)):
        old = getattr(member, field)
        if old != new:
            setattr(member, field, new)
            audit.record(actor, member, "status", field, old, new)
    workflow.close_plan(member, actor, f"{status.label}：{reason}")
    db.session.flush()


def reveal_id_number(actor, member: Member) -> str:
    """Return the full ID number and write down who looked at it."""
    audit.record(actor, member, "reveal", "id_number")
    db.session.flush()
    return member.id_number


#: What an audit row of a related record is about, in the member's history.
HISTORY_ITEMS = {"dual_info": "双管信息", "takeover_info": "接管信息", "assisted_info": "协管信息"}


def history(member: Member, show_personal: bool) -> list[dict]:
    """The member's audit trail, newest first, ready to show (labels, names instead of ids)."""
    steps = dict(db.session.execute(
        select(SupervisionStep.id, SupervisionStep.task).where(SupervisionStep.member_id == member.id)
    ).all())
    infos = {
        model.__tablename__: db.session.scalar(select(model.id).where(model.member_id == member.id))
        for model in (DualInfo, TakeoverInfo, AssistedInfo)
    }
    related = [and_(AuditEntry.entity == Member.__tablename__, AuditEntry.entity_id == member.id)]
    if steps:
        related.append(and_(AuditEntry.entity == SupervisionStep.__tablename__, AuditEntry.entity_id.in_(steps)))
    related += [and_(AuditEntry.entity == table, AuditEntry.entity_id == info_id)
                for table, info_id in infos.items() if info_id]
    entries = db.session.scalars(
        select(AuditEntry)
        .where(or_(*related))
        .options(selectinload(AuditEntry.user))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
    names = _reference_names(entries)
    rows = []
    for e in entries:
        old, new = e.old_value, e.new_value
        if e.field in names:
            old, new = names[e.field].get(old, old), names[e.field].get(new, new)
        if e.field in PERSONAL_FIELDS and not show_personal:
            old, new = ("（不显示）" if old else ""), ("（不显示）" if new else "")
        rows.append({
            "item": (f"管理步骤：{steps[e.entity_id]}" if e.entity == SupervisionStep.__tablename__
                     else HISTORY_ITEMS.get(e.entity, "党员档案")),
            "at": e.at,
            "user": e.user.display_name if e.user else "系统",
            "action": ACTION_LABELS.get(e.action, e.action),
            "field": FIELD_LABELS.get(e.field, e.field),
            "old": old,
            "new": new,
        })
    return rows


def _reference_names(entries) -> dict[str, dict[str, str]]:
    """Map stored ids of branch, group, building and stair unit to their names (one query each)."""
    models = {"branch_id": Branch, "group_id": PartyGroup, "building_id": Building, "stair_unit_id": StairUnit}
    wanted: dict[str, set[int]] = {f: set() for f in models}
    for e in entries:
        if e.field in models:
            wanted[e.field] |= {int(v) for v in (e.old_value, e.new_value) if v.isdigit()}
    out: dict[str, dict[str, str]] = {}
    for field, ids in wanted.items():
        if not ids:
            continue
        model = models[field]
        stmt = select(model).where(model.id.in_(ids))
        if model is StairUnit:
            stmt = stmt.options(selectinload(StairUnit.building))
        out[field] = {str(o.id): (o.label if model is StairUnit else o.name) for o in db.session.scalars(stmt)}
    return out


def search_clause(query: str, may_search_ids: bool):
    """Name contains `query`; with the right, also an ID number ending in it (4 or more characters)."""
    by_name = Member.name.contains(query, autoescape=True)
    tail = query.upper()
    if may_search_ids and re.fullmatch(r"[0-9X]{4,18}", tail):
        return or_(by_name, Member.id_number.endswith(tail, autoescape=True))
    return by_name


def list_statement(community_id: int, filters: dict, may_search_ids: bool, forced_branch: int | None = None,
                   today: date | None = None):
    """The member list's query for the GET filters (q, category, branch, group, building, type, status,
    overdue: "1" for members with an overdue supervision step).

    Unreadable filter values are ignored, as on the list page; `forced_branch` narrows a branch
    secretary's list to his own branch whatever was asked.
    """
    def as_int(name):
        try:
            return int(filters.get(name) or 0) or None
        except (TypeError, ValueError):
            return None

    stmt = select(Member).where(Member.community_id == community_id)
    branch_id = forced_branch or as_int("branch")
    if branch_id:
        stmt = stmt.where(Member.branch_id == branch_id)
    if filters.get("category") in Category._value2member_map_:
        stmt = stmt.where(Member.category == filters["category"])
    if as_int("group"):
        stmt = stmt.where(Member.group_id == as_int("group"))
    if as_int("building"):
        stmt = stmt.where(Member.building_id == as_int("building"))
    if filters.get("type") in MemberType._value2member_map_:
        stmt = stmt.where(Member.member_type == filters["type"])
    status = filters.get("status") or MemberStatus.ACTIVE.value
    if status in MemberStatus._value2member_map_:
        stmt = stmt.where(Member.status == status)
    query = (filters.get("q") or "").strip()
    if query:
        stmt = stmt.where(search_clause(query, may_search_ids))
    if filters.get("overdue") == "1":
        overdue = select(SupervisionStep.member_id).where(
            SupervisionStep.community_id == community_id,
            SupervisionStep.state == StepState.PENDING,
            SupervisionStep.due_on < (today or date.today()),
        )
        stmt = stmt.where(Member.id.in_(overdue))
    return stmt.order_by(Member.name, Member.id)
