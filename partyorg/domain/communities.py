"""Communities and their party committee record: creation, edits, the counts their pages show."""
from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Branch,
    BranchKind,
    Building,
    Community,
    CommunityClass,
    CommunityKind,
    Grid,
    Member,
    MemberStatus,
    OrgStatus,
    PartyCommittee,
    ResidentUnit,
    StairUnit,
)
from . import audit
from .errors import DomainError

#: The upper bound a committee's size limits may take.
MAX_COMMITTEE_SIZE = 50


def committee_name(community_name: str) -> str:
    return f"{community_name}社区党委"


def _check_name_free(name: str, exclude_id: int | None = None) -> None:
    if not name:
        raise DomainError("请填写社区名称。", "name")
    stmt = select(Community.id).where(Community.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Community.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise DomainError(f"已有名为“{name}”的社区，请换一个名称。", "name")


def create_community(
    actor, name: str, kind: CommunityKind, grade: CommunityClass, address: str = "", note: str = ""
) -> Community:
    """Create a community together with its party committee record."""
    name = (name or "").strip()
    _check_name_free(name)
    community = Community(
        name=name, kind=CommunityKind(kind), grade=CommunityClass(grade),
        address=(address or "").strip(), note=(note or "").strip(),
    )
    db.session.add(community)
    db.session.flush()
    audit.record(actor, community, "create", community_id=community.id)
    committee = PartyCommittee(community_id=community.id, name=committee_name(name))
    db.session.add(committee)
    audit.record_create(actor, committee)
    return community


def update_community(actor, community: Community, data: dict, expected_version: int | None) -> list[str]:
    """Edit the community's own fields; a committee still named after the old name follows the rename."""
    new_name = data.get("name", community.name)
    _check_name_free(new_name, exclude_id=community.id)
    old_name = community.name
    changed = audit.apply_changes(actor, community, data, expected_version)
    committee = community.committee
    if "name" in changed and committee is not None and committee.name == committee_name(old_name):
        audit.apply_changes(actor, committee, {"name": committee_name(new_name)})
    return changed


def check_committee(data: dict) -> None:
    """Raise DomainError unless the committee record's dates and size limits make sense."""
    if not (data.get("name") or "").strip():
        raise DomainError("请填写党委名称。", "name")
    founded = data.get("founded_on")
    if founded is not None and founded > date.today():
        raise DomainError("成立日期不能晚于今天。", "founded_on")
    start, end = data.get("term_start"), data.get("term_end")
    if start is not None and end is not None and end <= start:
        raise DomainError("届期结束日期必须晚于开始日期。", "term_end")
    low, high = data.get("min_size"), data.get("max_size")
    if low is None or low < 1:
        raise DomainError("委员最少人数至少为1人。", "min_size")
    if high is None or high > MAX_COMMITTEE_SIZE:
        raise DomainError(f"委员最多人数不能超过{MAX_COMMITTEE_SIZE}人。", "max_size")
    if low > high:
        raise DomainError("委员最少人数不能大于最多人数。", "min_size")


def update_committee(actor, committee: PartyCommittee, data: dict, expected_version: int | None) -> list[str]:
    check_committee(data)
    return audit.apply_changes(actor, committee, data, expected_version)


# --- counts the pages show -------------------------------------------------------------

def _grouped(column, *where) -> dict:
    stmt = select(column, func.count()).where(*where).group_by(column)
    return dict(db.session.execute(stmt).all())


def list_counts(community_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per community id: members, branches, grids, buildings, units (one query per table)."""
    if not community_ids:
        return {}
    ids = list(community_ids)
    tables = {
        "members": _grouped(Member.community_id, Member.community_id.in_(ids), Member.status == MemberStatus.ACTIVE),
        "branches": _grouped(Branch.community_id, Branch.community_id.in_(ids), Branch.status == OrgStatus.ACTIVE),
        "grids": _grouped(Grid.community_id, Grid.community_id.in_(ids)),
        "buildings": _grouped(Building.community_id, Building.community_id.in_(ids)),
        "units": _grouped(ResidentUnit.community_id, ResidentUnit.community_id.in_(ids)),
    }
    return {cid: {key: counts.get(cid, 0) for key, counts in tables.items()} for cid in ids}


def overview(community_id: int) -> dict:
    """The counts on a community's overview page."""
    counts = list_counts([community_id])[community_id]
    counts["stair_units"] = db.session.scalar(
        select(func.count(StairUnit.id)).join(Building).where(Building.community_id == community_id)
    )
    by_kind = _grouped(Branch.kind, Branch.community_id == community_id, Branch.status == OrgStatus.ACTIVE)
    counts["branches_by_kind"] = [(kind, by_kind.get(kind, 0)) for kind in BranchKind]
    return counts
