"""Branches (党支部), functional subtypes and party groups (党小组): the rules."""
from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    BUILTIN_SUBTYPES,
    AttachMode,
    Branch,
    BranchKind,
    BranchSubtype,
    Building,
    Member,
    MemberStatus,
    OrgStatus,
    PartyGroup,
    ResidentUnit,
    StairUnit,
)
from . import audit
from .errors import DomainError

#: The fields a branch form carries; the ones of other kinds are cleared on save.
BRANCH_FIELDS = (
    "name", "kind", "building_id", "subtype", "mode", "organisation_name",
    "resident_unit_id", "secretary_id", "founded_on", "note",
)
GROUP_FIELDS = ("name", "stair_unit_id", "leader_id")
SUBTYPE_MIN, SUBTYPE_MAX = 2, 30


# --- queries the pages share ------------------------------------------------------------

def subtype_names(community_id: int) -> list[str]:
    """Built-in subtypes first, then the community's own in name order."""
    own = db.session.scalars(
        select(BranchSubtype.name).where(BranchSubtype.community_id == community_id).order_by(BranchSubtype.name)
    )
    return list(BUILTIN_SUBTYPES) + [n for n in own if n not in BUILTIN_SUBTYPES]


def active_member_counts(branch_ids) -> dict[int, int]:
    """Active members per branch, in one grouped query."""
    ids = list(branch_ids)
    if not ids:
        return {}
    stmt = (
        select(Member.branch_id, func.count())
        .where(Member.branch_id.in_(ids), Member.status == MemberStatus.ACTIVE)
        .group_by(Member.branch_id)
    )
    return dict(db.session.execute(stmt).all())


def group_counts(branch_ids) -> dict[int, int]:
    """Active party groups per branch, in one grouped query."""
    ids = list(branch_ids)
    if not ids:
        return {}
    stmt = (
        select(PartyGroup.branch_id, func.count())
        .where(PartyGroup.branch_id.in_(ids), PartyGroup.status == OrgStatus.ACTIVE)
        .group_by(PartyGroup.branch_id)
    )
    return dict(db.session.execute(stmt).all())


def group_member_counts(branch_id: int) -> dict[int, int]:
    """Active members per party group of one branch."""
    stmt = (
        select(Member.group_id, func.count())
        .where(Member.branch_id == branch_id, Member.group_id.is_not(None), Member.status == MemberStatus.ACTIVE)
        .group_by(Member.group_id)
    )
    return dict(db.session.execute(stmt).all())


def allowed_actions(user, branch: Branch) -> set[str]:
    """What `user` may do on the branch page; the template draws one button per action."""
    from .. import permissions as perm

    actions = set()
    manage = perm.can_manage_community(user, branch.community_id)
    active = branch.status == OrgStatus.ACTIVE
    if manage:
        actions.add("edit")
        if active:
            actions.add("dissolve")
            if branch.kind == BranchKind.BUILDING and branch.building_id:
                actions.add("unit_groups")
    if active and perm.can_manage_groups(user, branch):
        actions.add("new_group")
    if perm.can_manage_groups(user, branch):
        actions.add("edit_group")
    return actions


# --- checks ----------------------------------------------------------------------------

def _id(value) -> int | None:
    """Form selects send 0 or '' for "none"."""
    return int(value) if value else None


def _in_community(model, obj_id, community_id: int, message: str, field: str):
    obj = db.session.get(model, obj_id)
    if obj is None or obj.community_id != community_id:
        raise DomainError(message, field)
    return obj


def _active_member(member_id, community_id: int, field: str, message: str, branch_id: int | None = None) -> Member:
    m = db.session.get(Member, member_id)
    if (
        m is None
        or m.community_id != community_id
        or m.status != MemberStatus.ACTIVE
        or (branch_id is not None and m.branch_id != branch_id)
    ):
        raise DomainError(message, field)
    return m


def _clean_branch(community_id: int, data: dict, branch: Branch | None = None) -> dict:
    """Check a branch's fields against the rules; return them with other kinds' fields cleared."""
    out = {k: data.get(k) for k in BRANCH_FIELDS}
    out["name"] = (out["name"] or "").strip()
    out["organisation_name"] = (out["organisation_name"] or "").strip()
    out["note"] = (out["note"] or "").strip()
    out["subtype"] = (out["subtype"] or "").strip() or None
    for key in ("building_id", "resident_unit_id", "secretary_id"):
        out[key] = _id(out[key])

    if not out["name"]:
        raise DomainError("请填写支部名称。", "name")
    if len(out["name"]) > 100:
        raise DomainError("支部名称不能超过100个字符。", "name")
    taken = select(Branch.id).where(Branch.community_id == community_id, Branch.name == out["name"])
    if branch is not None:
        taken = taken.where(Branch.id != branch.id)
    if db.session.scalar(taken):
        raise DomainError("本社区已有同名党支部，请换一个名称。", "name")

    try:
        kind = BranchKind(out["kind"])
    except ValueError:
        raise DomainError("请选择支部类型。", "kind") from None
    out["kind"] = kind

    if kind == BranchKind.BUILDING:
        if not out["building_id"]:
            raise DomainError("楼宇党支部须选择所在楼栋。", "building_id")
        _in_community(Building, out["building_id"], community_id, "请选择本社区的楼栋。", "building_id")
    else:
        out["building_id"] = None

    if kind == BranchKind.FUNCTIONAL:
        if not out["subtype"]:
            raise DomainError("功能型党支部须选择类别。", "subtype")
        if out["subtype"] not in subtype_names(community_id):
            raise DomainError("请选择内置类别或本社区定义的类别。", "subtype")
    else:
        out["subtype"] = None

    if kind == BranchKind.ATTACHED:
        try:
            out["mode"] = AttachMode(out["mode"]) if out["mode"] else None
        except ValueError:
            out["mode"] = None
        if out["mode"] is None:
            raise DomainError("驻区组织党支部须选择组建模式。", "mode")
        if not out["organisation_name"]:
            raise DomainError("请填写所属企业、市场或协会的名称。", "organisation_name")
        if len(out["organisation_name"]) > 100:
            raise DomainError("组织名称不能超过100个字符。", "organisation_name")
        if out["resident_unit_id"]:
            _in_community(ResidentUnit, out["resident_unit_id"], community_id,
                          "请选择本社区的驻区单位。", "resident_unit_id")
    else:
        out["mode"] = None
        out["organisation_name"] = ""
        out["resident_unit_id"] = None

    if out["secretary_id"]:
        _active_member(out["secretary_id"], community_id, "secretary_id", "支部书记须为本社区在册党员。")
    if out["founded_on"] and out["founded_on"] > date.today():
        raise DomainError("成立日期不能晚于今天。", "founded_on")
    return out


def _check_group_links_kept(branch: Branch, new_building_id: int | None) -> None:
    """Groups tied to stairwell units of the old building would point outside the branch."""
    if branch.building_id == new_building_id:
        return
    linked = db.session.scalar(
        select(func.count()).select_from(PartyGroup)
        .where(PartyGroup.branch_id == branch.id, PartyGroup.stair_unit_id.is_not(None))
    )
    if linked:
        raise DomainError(f"该支部有{linked}个党小组关联了原楼栋的单元，不能更换楼栋或支部类型。", "building_id")


# --- branches --------------------------------------------------------------------------

def create_branch(actor, community_id: int, data: dict, unit_groups: bool = False) -> Branch:
    """Create a branch; for a building branch optionally one party group per stairwell unit."""
    fields = _clean_branch(community_id, data)
    branch = Branch(community_id=community_id, status=OrgStatus.ACTIVE, **fields)
    db.session.add(branch)
    audit.record_create(actor, branch)
    if unit_groups and branch.kind == BranchKind.BUILDING:
        create_unit_groups(actor, branch)
    return branch


def update_branch(actor, branch: Branch, data: dict, expected_version: int | None) -> list[str]:
    fields = _clean_branch(branch.community_id, data, branch)
    _check_group_links_kept(branch, fields["building_id"])
    return audit.apply_changes(actor, branch, fields, expected_version)


def dissolve_branch(actor, branch: Branch, on: date | None) -> None:
    """Mark the branch (and its groups) dissolved; refused while active members remain."""
    if branch.status == OrgStatus.DISSOLVED:
        raise DomainError("该支部已撤销。")
    if on is None:
        raise DomainError("请填写撤销日期。", "dissolved_on")
    if on > date.today():
        raise DomainError("撤销日期不能晚于今天。", "dissolved_on")
    if branch.founded_on and on < branch.founded_on:
        raise DomainError("撤销日期不能早于成立日期。", "dissolved_on")
    remaining = active_member_counts([branch.id]).get(branch.id, 0)
    if remaining:
        raise DomainError(f"该支部还有{remaining}名在册党员，请先将他们转入其他支部，再撤销本支部。")
    audit.apply_changes(actor, branch, {"status": OrgStatus.DISSOLVED, "dissolved_on": on})
    for group in branch.groups:
        if group.status == OrgStatus.ACTIVE:
            audit.apply_changes(actor, group, {"status": OrgStatus.DISSOLVED})


def create_unit_groups(actor, branch: Branch) -> list[PartyGroup]:
    """Create "N单元党小组" for every stairwell unit of the building that has no group yet."""
    if branch.kind != BranchKind.BUILDING or branch.building_id is None:
        raise DomainError("只有楼宇党支部可以按单元建立党小组。")
    if branch.status != OrgStatus.ACTIVE:
        raise DomainError("该支部已撤销，不能再建立党小组。")
    existing = db.session.execute(
        select(PartyGroup.name, PartyGroup.stair_unit_id).where(PartyGroup.branch_id == branch.id)
    ).all()
    names = {name for name, _ in existing}
    covered = {unit_id for _, unit_id in existing if unit_id}
    units = db.session.scalars(
        select(StairUnit).where(StairUnit.building_id == branch.building_id).order_by(StairUnit.position, StairUnit.name)
    )
    created = []
    for unit in units:
        name = f"{unit.name}党小组"
        if unit.id in covered or name in names:
            continue
        group = PartyGroup(branch=branch, name=name, stair_unit_id=unit.id, status=OrgStatus.ACTIVE)
        db.session.add(group)
        audit.record_create(actor, group)
        created.append(group)
    return created


# --- party groups ----------------------------------------------------------------------

def _clean_group(branch: Branch, data: dict, group: PartyGroup | None = None) -> dict:
    out = {k: data.get(k) for k in GROUP_FIELDS}
    out["name"] = (out["name"] or "").strip()
    out["stair_unit_id"] = _id(out["stair_unit_id"])
    out["leader_id"] = _id(out["leader_id"])
    if not out["name"]:
        raise DomainError("请填写党小组名称。", "name")
    if len(out["name"]) > 50:
        raise DomainError("党小组名称不能超过50个字符。", "name")
    taken = select(PartyGroup.id).where(PartyGroup.branch_id == branch.id, PartyGroup.name == out["name"])
    if group is not None:
        taken = taken.where(PartyGroup.id != group.id)
    if db.session.scalar(taken):
        raise DomainError("本支部已有同名党小组，请换一个名称。", "name")
    if out["stair_unit_id"]:
        unit = db.session.get(StairUnit, out["stair_unit_id"])
        if unit is None or branch.building_id is None or unit.building_id != branch.building_id:
            raise DomainError("所选单元不属于本支部所在的楼栋。", "stair_unit_id")
    if out["leader_id"]:
        _active_member(out["leader_id"], branch.community_id, "leader_id",
                       "党小组组长须为本支部的在册党员。", branch_id=branch.id)
    return out


def create_group(actor, branch: Branch, data: dict) -> PartyGroup:
    if branch.status != OrgStatus.ACTIVE:
        raise DomainError("该支部已撤销，不能再建立党小组。")
    fields = _clean_group(branch, data)
    group = PartyGroup(branch=branch, status=OrgStatus.ACTIVE, **fields)
    db.session.add(group)
    audit.record_create(actor, group)
    return group


def update_group(actor, group: PartyGroup, data: dict, expected_version: int | None) -> list[str]:
    fields = _clean_group(group.branch, data, group)
    return audit.apply_changes(actor, group, fields, expected_version)


# --- functional subtypes ---------------------------------------------------------------

def add_subtype(actor, community_id: int, name: str) -> BranchSubtype:
    name = (name or "").strip()
    if not SUBTYPE_MIN <= len(name) <= SUBTYPE_MAX:
        raise DomainError(f"类别名称须为{SUBTYPE_MIN}至{SUBTYPE_MAX}个字符。", "name")
    if name in subtype_names(community_id):
        raise DomainError("已有同名类别。", "name")
    subtype = BranchSubtype(community_id=community_id, name=name)
    db.session.add(subtype)
    audit.record_create(actor, subtype)
    return subtype
