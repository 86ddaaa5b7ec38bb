"""The rows of each list page as a table for Excel: every row the page's filters match, not one page.

Each function takes the viewer and the page's GET parameters and returns (title, headers, rows).
Personal data is masked exactly as on the page: a viewer who may not see an ID number or a phone
gets it masked, and addresses are left out.
"""
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import permissions
from ..localtime import local_time
from ..extensions import db
from ..models import (
    Branch,
    BranchKind,
    Building,
    Grid,
    Member,
    OrgStatus,
    ResidentUnit,
    Role,
    UnitKind,
    User,
)
from . import branches as branch_rules
from . import members as member_rules
from . import places
from .masking import mask_id_number, mask_phone

#: Columns of the member export: the import template's, then the status (so an export imports back).
MEMBER_HEADERS = (
    "姓名", "性别", "民族", "出生日期", "公民身份号码", "学历", "党员类型", "入党日期", "转正日期", "工作单位",
    "职务", "联系电话", "楼栋", "单元", "房号", "党支部", "党小组", "类别", "正式组织关系在本社区", "状态",
)


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _q(args, limit: int) -> str:
    return (args.get("q") or "").strip()[:limit]


def member_rows(actor, community_id: int, args, forced_branch: int | None = None) -> tuple[str, tuple, list]:
    """The member list with the list page's filters; masked for who may not see it whole."""
    # No actor: the command line, run by whoever operates the server, gets the whole record.
    may_search_ids = actor is None or permissions.can_search_id_numbers(actor, community_id)
    stmt = member_rules.list_statement(community_id, args, may_search_ids, forced_branch).options(
        selectinload(Member.branch), selectinload(Member.group), selectinload(Member.building),
        selectinload(Member.stair_unit),
    )
    rows = []
    for m in db.session.scalars(stmt):
        personal = actor is None or permissions.can_see_personal_data(actor, m)
        whole_id = actor is None or permissions.can_see_id_number(actor, m)
        rows.append((
            m.name, m.gender, m.ethnicity, m.birth_date if (personal or whole_id) else None,
            m.id_number if whole_id else mask_id_number(m.id_number), m.education, m.member_type,
            m.joined_on, m.full_on, m.work_unit, m.post, m.phone if personal else mask_phone(m.phone),
            m.building.name if (personal and m.building) else None,
            m.stair_unit.name if (personal and m.stair_unit) else None,
            m.room if personal else None,
            m.branch.name if m.branch else None, m.group.name if m.group else None,
            m.category, m.relation_here, m.status,
        ))
    return "党员名册", MEMBER_HEADERS, rows


def unit_rows(actor, community_id: int, args) -> tuple[str, tuple, list]:
    stmt = select(ResidentUnit).where(ResidentUnit.community_id == community_id)
    if args.get("kind") in UnitKind._value2member_map_:
        stmt = stmt.where(ResidentUnit.kind == UnitKind(args["kind"]))
    if q := _q(args, 100):
        stmt = stmt.where(ResidentUnit.name.contains(q, autoescape=True))
    phones = permissions.can_see_officer_phones(actor, community_id)
    headers = ("单位名称", "类型", "统一社会信用代码", "单位党组织", "地址", "协议开始", "协议结束", "联络员", "联络员电话")
    rows = [
        (u.name, u.kind, u.credit_code, u.party_org_name, u.address, u.agreement_start, u.agreement_end,
         u.liaison_name, u.liaison_phone if phones else mask_phone(u.liaison_phone))
        for u in db.session.scalars(stmt.order_by(ResidentUnit.name))
    ]
    return "驻区单位", headers, rows


def branch_rows(actor, community_id: int, args) -> tuple[str, tuple, list]:
    stmt = (
        select(Branch).where(Branch.community_id == community_id)
        .options(selectinload(Branch.building), selectinload(Branch.secretary))
        .order_by(Branch.status, sa.case({k: i for i, k in enumerate(BranchKind)}, value=Branch.kind), Branch.name)
    )
    if args.get("kind") in BranchKind._value2member_map_:
        stmt = stmt.where(Branch.kind == BranchKind(args["kind"]))
    if args.get("status") in OrgStatus._value2member_map_:
        stmt = stmt.where(Branch.status == OrgStatus(args["status"]))
    if q := _q(args, 100):
        stmt = stmt.where(Branch.name.contains(q, autoescape=True))
    found = list(db.session.scalars(stmt))
    ids = [b.id for b in found]
    members, groups = branch_rules.active_member_counts(ids), branch_rules.group_counts(ids)
    headers = ("支部名称", "类型", "楼栋/类别/模式", "所属组织", "支部书记", "党小组（个）", "在册党员（人）", "成立日期", "状态")
    rows = [
        (b.name, b.kind, b.kind_detail, b.organisation_name, b.secretary.name if b.secretary else None,
         groups.get(b.id, 0), members.get(b.id, 0), b.founded_on, b.status)
        for b in found
    ]
    return "党支部", headers, rows


def grid_rows(actor, community_id: int, args) -> tuple[str, tuple, list]:
    found = list(db.session.scalars(
        select(Grid).where(Grid.community_id == community_id).options(selectinload(Grid.officers)).order_by(Grid.name)
    ))
    counts = places.grid_counts([g.id for g in found])
    phones = permissions.can_see_officer_phones(actor, community_id)
    headers = ("网格", "范围", "网格信息员（人）", "楼栋（栋）", "网格信息员及电话")
    rows = []
    for g in found:
        officers, buildings = counts.get(g.id, (0, 0))
        listed = "、".join(
            f"{o.name} {o.phone if phones else mask_phone(o.phone)}".strip() for o in g.officers
        )
        rows.append((g.name, g.area, officers, buildings, listed))
    return "网格", headers, rows


def building_rows(actor, community_id: int, args) -> tuple[str, tuple, list]:
    stmt = (
        select(Building).where(Building.community_id == community_id)
        .options(joinedload(Building.grid), selectinload(Building.stair_units))
    )
    grid = _int(args.get("grid"))
    if grid == -1:  # the buildings page's "未划入网格"
        stmt = stmt.where(Building.grid_id.is_(None))
    elif grid:
        stmt = stmt.where(Building.grid_id == grid)
    if q := _q(args, 50):
        stmt = stmt.where(Building.name.contains(q, autoescape=True))
    headers = ("楼栋", "网格", "地址", "层数", "单元（个）", "单元")
    rows = [
        (b.name, b.grid.name if b.grid else "未划入网格", b.address, b.floors, len(b.stair_units),
         "、".join(s.name for s in b.stair_units))
        for b in db.session.scalars(stmt.order_by(Building.name))
    ]
    return "楼栋", headers, rows


def _scope(account: User) -> str:
    if account.role == Role.DISTRICT:
        return "全区"
    if account.role == Role.BRANCH_SECRETARY:
        return account.branch.name if account.branch else ""
    if account.role == Role.LIAISON:
        return account.resident_unit.name if account.resident_unit else ""
    return f"{account.community.name}社区" if account.community else ""


def account_rows(actor, community_id: int, args) -> tuple[str, tuple, list]:
    """The community's accounts the viewer manages (a secretary: those he may grant)."""
    stmt = select(User).where(User.community_id == community_id).options(
        joinedload(User.community), joinedload(User.branch), joinedload(User.resident_unit)
    )
    if actor.role != Role.DISTRICT:
        stmt = stmt.where(User.role.in_(permissions.GRANTABLE[actor.role]))
    headers = ("姓名", "用户名", "角色", "所属范围", "状态", "最近登录")
    rows = [
        (a.display_name, a.username, a.role, _scope(a), "启用" if a.active else "已停用",
         local_time(a.last_login_at) if a.last_login_at else None)
        for a in db.session.scalars(stmt.order_by(User.role, User.username))
    ]
    return "账号", headers, rows
