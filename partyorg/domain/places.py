"""Grids, grid officers, buildings and stairwell units of a community."""
import re

from sqlalchemy import func, select

from ..extensions import db
from ..models import Branch, BranchKind, Building, Grid, GridOfficer, Member, MemberStatus, OrgStatus, StairUnit
from . import audit
from .errors import DomainError

#: A mainland mobile number (13912345678) or a landline with area code (0937-6221234).
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-\d{7,8})$"
PHONE_RE = re.compile(PHONE_PATTERN)
PHONE_MESSAGE = "电话格式不正确：请填写11位手机号（如13912345678）或带区号的固定电话（如0937-6221234）。"

MAX_NEW_STAIR_UNITS = 20
STAIR_UNIT_NAME_MAX = 30
#: Separators accepted between stairwell-unit names: ASCII and full-width commas, the enumeration comma.
_NAME_SEPARATORS = re.compile(r"[,，、]")


# --- grids -----------------------------------------------------------------------------

def _check_grid_name(community_id: int, name: str, exclude_id: int | None = None) -> None:
    if not name:
        raise DomainError("请填写网格名称。", "name")
    stmt = select(Grid.id).where(Grid.community_id == community_id, Grid.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Grid.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise DomainError(f"本社区已有名为“{name}”的网格。", "name")


def create_grid(actor, community_id: int, name: str, area: str = "") -> Grid:
    name = (name or "").strip()
    _check_grid_name(community_id, name)
    grid = Grid(community_id=community_id, name=name, area=(area or "").strip())
    db.session.add(grid)
    audit.record_create(actor, grid)
    return grid


def update_grid(actor, grid: Grid, data: dict, expected_version: int | None) -> list[str]:
    _check_grid_name(grid.community_id, data.get("name", grid.name), exclude_id=grid.id)
    return audit.apply_changes(actor, grid, data, expected_version)


def check_phone(phone: str) -> str:
    """Return the phone stripped of blanks; raise DomainError unless it is empty or well-formed."""
    phone = (phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise DomainError(PHONE_MESSAGE, "phone")
    return phone


def add_officer(actor, grid: Grid, name: str, phone: str = "") -> GridOfficer:
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写网格信息员姓名。", "name")
    phone = check_phone(phone)
    duplicate = db.session.scalar(
        select(GridOfficer.id).where(GridOfficer.grid_id == grid.id, GridOfficer.name == name, GridOfficer.phone == phone)
    )
    if duplicate is not None:
        raise DomainError(f"本网格已登记信息员“{name}”（电话相同），无需重复添加。", "name")
    officer = GridOfficer(grid_id=grid.id, name=name, phone=phone)
    db.session.add(officer)
    db.session.flush()
    audit.record(actor, officer, "create", community_id=grid.community_id)
    return officer


def remove_officer(actor, officer: GridOfficer) -> None:
    """Take an officer off the grid; officers are not member records, so the row goes, the audit stays."""
    label = f"{officer.name} {officer.phone}".strip()
    audit.record(actor, officer, "delete", "name", old=label, community_id=officer.grid.community_id)
    db.session.delete(officer)
    db.session.flush()


# --- buildings -------------------------------------------------------------------------

def _check_building(community_id: int, name: str, grid_id: int | None, exclude_id: int | None = None) -> None:
    if not name:
        raise DomainError("请填写楼栋名称。", "name")
    stmt = select(Building.id).where(Building.community_id == community_id, Building.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Building.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise DomainError(f"本社区已有名为“{name}”的楼栋。", "name")
    if grid_id is not None:
        grid = db.session.get(Grid, grid_id)
        if grid is None or grid.community_id != community_id:
            raise DomainError("所选网格不属于本社区，请重新选择。", "grid_id")


def create_building(
    actor, community_id: int, name: str, grid_id: int | None = None, address: str = "", floors: int | None = None
) -> Building:
    name = (name or "").strip()
    _check_building(community_id, name, grid_id)
    building = Building(
        community_id=community_id, name=name, grid_id=grid_id, address=(address or "").strip(), floors=floors
    )
    db.session.add(building)
    audit.record_create(actor, building)
    return building


def update_building(actor, building: Building, data: dict, expected_version: int | None) -> list[str]:
    _check_building(
        building.community_id, data.get("name", building.name), data.get("grid_id", building.grid_id),
        exclude_id=building.id,
    )
    return audit.apply_changes(actor, building, data, expected_version)


def split_unit_names(text: str) -> list[str]:
    return [part.strip() for part in _NAME_SEPARATORS.split(text or "") if part.strip()]


def add_stair_units(actor, building: Building, count: int | None = None, names: str = "") -> list[StairUnit]:
    """Add stairwell units: "1单元".."N单元" for a count (existing ones skipped), or the listed names.

    Listed names that already exist in the building, or repeat within the list, are refused.
    """
    existing = {u.name for u in building.stair_units}
    listed = split_unit_names(names)
    if count is not None and listed:
        raise DomainError("请只选择一种方式：填写单元数量，或填写单元名称。", "names")
    if count is None and not listed:
        raise DomainError("请填写要新增的单元数量，或填写单元名称。", "count")
    if count is not None:
        if not 1 <= count <= MAX_NEW_STAIR_UNITS:
            raise DomainError(f"单元数量应在1到{MAX_NEW_STAIR_UNITS}之间。", "count")
        wanted = [(f"{i}单元", i) for i in range(1, count + 1) if f"{i}单元" not in existing]
        if not wanted:
            raise DomainError(f"1单元至{count}单元都已存在，没有需要新增的单元。", "count")
    else:
        too_long = [n for n in listed if len(n) > STAIR_UNIT_NAME_MAX]
        if too_long:
            raise DomainError(f"单元名称不能超过{STAIR_UNIT_NAME_MAX}个字：{too_long[0][:STAIR_UNIT_NAME_MAX]}…", "names")
        repeated = sorted({n for n in listed if listed.count(n) > 1}, key=listed.index)
        if repeated:
            raise DomainError(f"填写的单元名称有重复：{'、'.join(repeated)}。", "names")
        clashes = [n for n in listed if n in existing]
        if clashes:
            raise DomainError(f"本楼栋已有这些单元：{'、'.join(clashes)}。请去掉后再提交。", "names")
        start = max((u.position for u in building.stair_units), default=0)
        wanted = [(name, start + i) for i, name in enumerate(listed, 1)]
    created = []
    for name, position in wanted:
        unit = StairUnit(building_id=building.id, name=name, position=position)
        db.session.add(unit)
        created.append(unit)
    db.session.flush()
    for unit in created:
        audit.record(actor, unit, "create", community_id=building.community_id)
    return created


# --- counts the pages show -------------------------------------------------------------

def _grouped(column, *where) -> dict:
    return dict(db.session.execute(select(column, func.count()).where(*where).group_by(column)).all())


def grid_counts(grid_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per grid id: (officers, buildings)."""
    if not grid_ids:
        return {}
    officers = _grouped(GridOfficer.grid_id, GridOfficer.grid_id.in_(grid_ids))
    buildings = _grouped(Building.grid_id, Building.grid_id.in_(grid_ids))
    return {gid: (officers.get(gid, 0), buildings.get(gid, 0)) for gid in grid_ids}


def stair_unit_counts(building_ids: list[int]) -> dict[int, int]:
    if not building_ids:
        return {}
    return _grouped(StairUnit.building_id, StairUnit.building_id.in_(building_ids))


def members_per_stair_unit(building_id: int) -> dict[int, int]:
    """Active members living in each stairwell unit of the building."""
    return _grouped(
        Member.stair_unit_id, Member.building_id == building_id, Member.stair_unit_id.is_not(None),
        Member.status == MemberStatus.ACTIVE,
    )


def building_branches(building_id: int) -> list[Branch]:
    return list(db.session.scalars(
        select(Branch).where(
            Branch.building_id == building_id, Branch.kind == BranchKind.BUILDING, Branch.status == OrgStatus.ACTIVE
        ).order_by(Branch.name)
    ))
