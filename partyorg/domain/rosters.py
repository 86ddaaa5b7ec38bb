"""Rows for the printouts (花名册, record card, resident units), as plain data with masking applied.

The PDF templates receive only what is built here: strings, dates and small dataclasses, never
ORM objects, so a template can neither load more data nor print a field the reader may not see.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AssistedInfo,
    Branch,
    Building,
    Category,
    CobuildingAgreement,
    Community,
    DualInfo,
    Member,
    MemberStatus,
    PartyGroup,
    ResidentUnit,
    StepState,
    SupervisionStep,
    TakeoverInfo,
)
from . import audit
from .errors import DomainError
from .masking import mask_id_number, mask_phone

HIDDEN = "***"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: Width in millimetres at 9pt; the chosen columns' widths become percentages of the table.
    weight: int


#: Columns a roster may show, in print order; 序号 and 姓名 always come first.
COLUMNS = (
    Column("gender", "性别", 8),
    Column("ethnicity", "民族", 11),
    Column("birth_date", "出生日期", 21),
    Column("id_number", "公民身份号码", 37),
    Column("education", "学历", 17),
    Column("member_type", "人员类别", 17),
    Column("joined_on", "入党日期", 21),
    Column("work_unit", "工作单位及职务", 40),
    Column("phone", "联系电话", 24),
    Column("address", "住址", 32),
    Column("branch", "所在支部", 30),
    Column("group", "党小组", 22),
    Column("category", "党员类别", 11),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
FIXED_COLUMNS = (Column("seq", "序号", 9), Column("name", "姓名", 18))
DEFAULT_COLUMNS = ("gender", "birth_date", "id_number", "member_type", "joined_on", "phone", "branch", "group")
#: Printable widths (mm) of A4 portrait and landscape: wider rosters turn, then shrink the type.
PORTRAIT_WIDTH = 186
LANDSCAPE_WIDTH = 277

SORTS = {"name": "姓名", "joined": "入党日期", "branch": "所在支部"}


@dataclass
class Scope:
    """Which members a roster prints; empty filters mean the whole community."""

    community: Community
    branch: Branch | None = None
    group: PartyGroup | None = None
    category: Category | None = None
    building: Building | None = None

    @property
    def title(self) -> str:
        parts = []
        if self.building:
            parts.append(self.building.name)
        if self.branch:
            parts.append(self.branch.name)
        if self.group:
            parts.append(self.group.name)
        if self.category:
            parts.append(f"{self.category.label}党员")
        return "".join(parts) + ("花名册" if self.category else "党员花名册")


@dataclass
class Roster:
    community_name: str
    title: str
    printed_on: date
    columns: list[tuple[str, float]]
    rows: list[tuple[str, ...]]
    landscape: bool
    #: Smaller type when even landscape is too narrow for the chosen columns at 9pt.
    dense: bool
    masked_ids: bool
    sort_label: str

    @property
    def count(self) -> int:
        return len(self.rows)


def _in_community(model, obj_id: int | None, cid: int, message: str, field_name: str):
    if not obj_id:
        return None
    obj = db.session.get(model, obj_id)
    if obj is None or obj.community_id != cid:
        raise DomainError(message, field_name)
    return obj


def resolve_scope(
    community: Community,
    branch_id: int | None = None,
    group_id: int | None = None,
    category: str | None = None,
    building_id: int | None = None,
) -> Scope:
    """Check that every filter names a record of `community` and build the scope."""
    cid = community.id
    branch = _in_community(Branch, branch_id, cid, "所选党支部不属于本社区。", "branch")
    group = _in_community(PartyGroup, group_id, cid, "所选党小组不属于本社区。", "group")
    building = _in_community(Building, building_id, cid, "所选楼栋不属于本社区。", "building")
    if group and branch and group.branch_id != branch.id:
        raise DomainError(f"党小组“{group.name}”不属于{branch.name}。", "group")
    cat = None
    if category:
        try:
            cat = Category(category)
        except ValueError:
            raise DomainError("党员类别应为直管、双管、接管或协管。", "category") from None
    return Scope(community=community, branch=branch, group=group, category=cat, building=building)


def scope_branch_id(scope: Scope) -> int | None:
    """The one branch a roster is limited to (a group limits it to the group's branch)."""
    if scope.group:
        return scope.group.branch_id
    return scope.branch.id if scope.branch else None


def _in_scope(stmt, scope: Scope):
    stmt = stmt.where(Member.community_id == scope.community.id, Member.status == MemberStatus.ACTIVE)
    if scope.branch:
        stmt = stmt.where(Member.branch_id == scope.branch.id)
    if scope.group:
        stmt = stmt.where(Member.group_id == scope.group.id)
    if scope.category:
        stmt = stmt.where(Member.category == scope.category)
    if scope.building:
        stmt = stmt.where(Member.building_id == scope.building.id)
    return stmt


def count_members(scope: Scope) -> int:
    """How many rows the scope's roster has (to choose between printing now and a background job)."""
    return db.session.scalar(_in_scope(select(func.count(Member.id)), scope)) or 0


def _members(scope: Scope, sort: str) -> list[Member]:
    stmt = _in_scope(select(Member), scope)
    stmt = stmt.options(
        selectinload(Member.branch), selectinload(Member.group),
        selectinload(Member.building), selectinload(Member.stair_unit),
    )
    members = list(db.session.scalars(stmt))
    if sort == "joined":
        members.sort(key=lambda m: (m.joined_on, m.name, m.id))
    elif sort == "branch":
        members.sort(key=lambda m: (m.branch.name if m.branch else "\uffff", m.group.name if m.group else "\uffff",
                                    m.name, m.id))
    else:
        members.sort(key=lambda m: (m.name, m.id))
    return members


def _ymd(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _cell(m: Member, key: str, show_id: bool, show_personal: bool) -> str:
    if key == "gender":
        return m.gender.label
    if key == "ethnicity":
        return m.ethnicity
    if key == "birth_date":
        return _ymd(m.birth_date)
    if key == "id_number":
        return m.id_number if show_id else mask_id_number(m.id_number)
    if key == "education":
        return m.education
    if key == "member_type":
        return m.member_type.label
    if key == "joined_on":
        return _ymd(m.joined_on)
    if key == "work_unit":
        return " ".join(p for p in (m.work_unit, m.post) if p)
    if key == "phone":
        return m.phone if show_personal else mask_phone(m.phone)
    if key == "address":
        return m.address if show_personal else (HIDDEN if m.address else "")
    if key == "branch":
        return m.branch.name if m.branch else ""
    if key == "group":
        return m.group.name if m.group else ""
    if key == "category":
        return m.category.label
    raise KeyError(key)


def clean_columns(keys) -> list[str]:
    """The known column keys among `keys`, in print order; the defaults when none are chosen."""
    chosen = set(keys or ())
    picked = [c.key for c in COLUMNS if c.key in chosen]
    return picked or list(DEFAULT_COLUMNS)


def build_roster(scope: Scope, columns, sort: str = "name", *, show_id: bool = False,
                 show_personal: bool = False, today: date | None = None) -> Roster:
    """The roster's header and rows, masked unless `show_id` / `show_personal`."""
    keys = clean_columns(columns)
    sort = sort if sort in SORTS else "name"
    cols = list(FIXED_COLUMNS) + [COLUMN_BY_KEY[k] for k in keys]
    total = sum(c.weight for c in cols)
    rows = []
    for n, m in enumerate(_members(scope, sort), start=1):
        rows.append((str(n), m.name, *(_cell(m, k, show_id, show_personal) for k in keys)))
    return Roster(
        community_name=f"{scope.community.name}社区",
        title=scope.title,
        printed_on=today or date.today(),
        columns=[(c.label, round(100 * c.weight / total, 2)) for c in cols],
        rows=rows,
        landscape=total > PORTRAIT_WIDTH,
        dense=total > LANDSCAPE_WIDTH,
        masked_ids=not show_id and "id_number" in keys,
        sort_label=SORTS[sort],
    )


def record_unmasked_print(actor, obj, what: str) -> None:
    """Write the audit row for a printout that shows whole ID numbers."""
    audit.record(actor, obj, "print_unmasked", new=what)


# --- the member record card ---------------------------------------------------------------

@dataclass
class Card:
    community_name: str
    title: str
    printed_on: date
    sections: list[tuple[str, list[tuple[str, str]]]]
    steps: list[dict] = field(default_factory=list)


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _category_fields(m: Member) -> list[tuple[str, str]]:
    if m.category == Category.DUAL:
        info = db.session.scalar(select(DualInfo).where(DualInfo.member_id == m.id))
        if info:
            return [("原单位", info.former_employer), ("原单位党组织", info.former_party_org),
                    ("原单位联系人", info.contact_person), ("联系人电话", info.contact_phone)]
    if m.category == Category.TAKEOVER:
        info = db.session.scalar(select(TakeoverInfo).where(TakeoverInfo.member_id == m.id))
        if info:
            return [("接管原因", info.reason.label), ("原组织", info.origin_org),
                    ("介绍信编号", info.letter_number), ("开具单位", info.letter_issuer),
                    ("开具日期", _ymd(info.letter_issued_on)), ("有效期至", _ymd(info.letter_expires_on))]
    if m.category == Category.ASSISTED:
        info = db.session.scalar(select(AssistedInfo).where(AssistedInfo.member_id == m.id))
        if info:
            return [("工作单位", info.employer), ("单位党组织", info.employer_party_org),
                    ("报到日期", _ymd(info.reported_on)), ("特长", info.skills),
                    ("服务意向", info.service_preference),
                    ("认领岗位", "；".join(p.strip() for p in info.claimed_posts.splitlines() if p.strip()))]
    return []


def build_card(m: Member, *, show_id: bool, show_personal: bool, today: date | None = None) -> Card:
    """All fields of one member, the category's data and the pending supervision steps."""
    today = today or date.today()
    id_text = m.id_number if show_id else mask_id_number(m.id_number)
    if m.id_legacy:
        id_text += "（旧版15位）"
    phone = m.phone if show_personal else mask_phone(m.phone)
    address = m.address if show_personal else (HIDDEN if m.address else "")
    sections = [
        ("基本信息", [("姓名", m.name), ("性别", m.gender.label), ("民族", m.ethnicity),
                     ("出生日期", _ymd(m.birth_date)), ("公民身份号码", id_text), ("学历", m.education)]),
        ("党籍信息", [("人员类别", m.member_type.label), ("入党日期", _ymd(m.joined_on)),
                     ("转正日期", _ymd(m.full_on)), ("状态", m.status.label),
                     ("状态变更日期", _ymd(m.status_on)), ("变更原因", m.status_reason)]),
        ("工作与居住", [("工作单位", m.work_unit), ("职务", m.post), ("联系电话", phone), ("住址", address)]),
        ("组织关系", [("所在支部", m.branch.name if m.branch else ""), ("党小组", m.group.name if m.group else ""),
                     ("党员类别", m.category.label), ("正式组织关系在本社区", _yes(m.relation_here))]),
    ]
    extra = _category_fields(m)
    if extra:
        sections.append((f"{m.category.label}信息", extra))
    steps = db.session.scalars(
        select(SupervisionStep)
        .where(SupervisionStep.member_id == m.id, SupervisionStep.state == StepState.PENDING)
        .order_by(SupervisionStep.due_on, SupervisionStep.seq)
    )
    step_rows = [
        {"task": s.task, "post": s.post, "responsible": s.responsible_role.label,
         "limit": s.time_limit_text, "due_on": _ymd(s.due_on), "overdue": s.due_on < today}
        for s in steps
    ]
    return Card(community_name=f"{m.community.name}社区", title=f"党员档案卡 · {m.name}",
                printed_on=today, sections=sections, steps=step_rows)


# --- resident units ------------------------------------------------------------------------

def build_units(community: Community, *, show_phones: bool, today: date | None = None) -> dict:
    """The resident units with their liaisons and co-building agreements."""
    today = today or date.today()
    units = list(db.session.scalars(
        select(ResidentUnit).where(ResidentUnit.community_id == community.id).order_by(ResidentUnit.name)
    ))
    agreements = {
        a.resident_unit_id: a
        for a in db.session.scalars(select(CobuildingAgreement).where(CobuildingAgreement.community_id == community.id))
    }
    rows = []
    for n, u in enumerate(units, start=1):
        a = agreements.get(u.id)
        term = f"{_ymd(u.agreement_start)} 至 {_ymd(u.agreement_end) or '长期'}" if u.agreement_start else "未签订"
        rows.append((
            str(n), u.name, u.kind.label, u.party_org_name, u.liaison_name,
            u.liaison_phone if show_phones else mask_phone(u.liaison_phone),
            term, "有效" if u.agreement_in_force(today) else "无效",
            " / ".join(p for p in ((a.community_signatory, a.unit_signatory) if a else ()) if p),
        ))
    labels = [("序号", 5), ("单位名称", 20), ("类型", 10), ("党组织", 15), ("联络员", 8), ("联系电话", 11),
              ("共驻共建协议期限", 17), ("状态", 5), ("签约人（社区/单位）", 12)]
    return {"community_name": f"{community.name}社区", "title": "驻区单位名册", "printed_on": today,
            "columns": labels, "rows": rows, "landscape": True}
