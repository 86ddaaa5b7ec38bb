"""Test data: `world()` builds two communities with one of everything and a user per role."""
from dataclasses import dataclass, field
from datetime import date

from werkzeug.security import generate_password_hash

from partyorg.domain.idnumber import make_number
from partyorg.extensions import db
from partyorg.models import (
    AttachMode,
    Branch,
    BranchKind,
    Building,
    Category,
    Community,
    CommunityClass,
    CommunityKind,
    Gender,
    Grid,
    GridOfficer,
    Member,
    MemberType,
    PartyCommittee,
    PartyGroup,
    ResidentUnit,
    Role,
    StairUnit,
    UnitKind,
    User,
)

PASSWORD = "Test-pass-2026"
# A cheap hash keeps the suite fast; the app itself hashes with scrypt.
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

_seq = {"n": 0}


def _next() -> int:
    _seq["n"] += 1
    return _seq["n"]


def id_number(birth: date = date(1960, 5, 17), male: bool = True) -> str:
    """A valid number, unique within the test process (area code and sequence both vary)."""
    n = _next()
    area = str(620201 + (n // 500) % 90)
    return make_number(area, birth, (n % 500) * 2 + (1 if male else 0))


def member(community, **kw) -> Member:
    birth = kw.pop("birth_date", date(1960, 5, 17))
    gender = kw.pop("gender", Gender.MALE)
    m = Member(
        community_id=community.id,
        name=kw.pop("name", f"党员{_next()}"),
        gender=gender,
        birth_date=birth,
        id_number=kw.pop("id_number", None) or id_number(birth, gender == Gender.MALE),
        joined_on=kw.pop("joined_on", date(1985, 7, 1)),
        full_on=kw.pop("full_on", date(1986, 7, 1)),
        member_type=kw.pop("member_type", MemberType.FULL),
        category=kw.pop("category", Category.DIRECT),
        phone=kw.pop("phone", "13909370001"),
        **kw,
    )
    db.session.add(m)
    db.session.flush()
    return m


def user(username: str, role: Role, community=None, **kw) -> User:
    u = User(
        username=username,
        display_name=kw.pop("display_name", username),
        password_hash=_HASH,
        role=role,
        community_id=community.id if community else None,
        **kw,
    )
    db.session.add(u)
    db.session.flush()
    return u


@dataclass
class Side:
    """One community's records."""

    community: Community
    grid: Grid = None
    building: Building = None
    stair_units: list = field(default_factory=list)
    branch: Branch = None
    functional: Branch = None
    group: PartyGroup = None
    unit: ResidentUnit = None
    member: Member = None
    other_member: Member = None
    users: dict = field(default_factory=dict)


def community_side(name: str, prefix: str) -> Side:
    c = Community(name=name, kind=CommunityKind.URBAN, grade=CommunityClass.FIRST)
    db.session.add(c)
    db.session.flush()
    db.session.add(PartyCommittee(community_id=c.id, name=f"{name}社区党委"))
    s = Side(community=c)
    s.grid = Grid(community_id=c.id, name="第一网格")
    db.session.add(s.grid)
    db.session.flush()
    db.session.add(GridOfficer(grid_id=s.grid.id, name="王网格", phone="13900000001"))
    s.building = Building(community_id=c.id, name="1号楼", grid_id=s.grid.id)
    db.session.add(s.building)
    db.session.flush()
    s.stair_units = [StairUnit(building_id=s.building.id, name=f"{i}单元", position=i) for i in (1, 2)]
    db.session.add_all(s.stair_units)
    s.unit = ResidentUnit(
        community_id=c.id, name=f"{name}第一中学", kind=UnitKind.SCHOOL, party_org_name="中学党总支",
        agreement_start=date(2025, 1, 1), agreement_end=date(2027, 12, 31), liaison_name="李联络",
    )
    db.session.add(s.unit)
    db.session.flush()
    s.branch = Branch(community_id=c.id, name="1号楼党支部", kind=BranchKind.BUILDING, building_id=s.building.id)
    s.functional = Branch(community_id=c.id, name="便民服务党支部", kind=BranchKind.FUNCTIONAL, subtype="便民服务型")
    db.session.add_all([s.branch, s.functional])
    db.session.flush()
    s.group = PartyGroup(branch_id=s.branch.id, name="1单元党小组", stair_unit_id=s.stair_units[0].id)
    db.session.add(s.group)
    db.session.flush()
    s.member = member(c, name=f"{prefix}张三", branch_id=s.branch.id, group_id=s.group.id,
                      building_id=s.building.id, stair_unit_id=s.stair_units[0].id, room="101")
    s.other_member = member(c, name=f"{prefix}李四", branch_id=s.functional.id, category=Category.ASSISTED,
                            relation_here=False, gender=Gender.FEMALE)
    s.users = {
        Role.SECRETARY: user(f"{prefix}_secretary", Role.SECRETARY, c),
        Role.STAFF: user(f"{prefix}_staff", Role.STAFF, c),
        Role.BRANCH_SECRETARY: user(f"{prefix}_branch", Role.BRANCH_SECRETARY, c, branch_id=s.branch.id),
        Role.LIAISON: user(f"{prefix}_liaison", Role.LIAISON, c, resident_unit_id=s.unit.id),
    }
    return s


@dataclass
class World:
    a: Side
    b: Side
    district: User


def world() -> World:
    a = community_side("昌盛", "a")
    b = community_side("新华", "b")
    attached = Branch(community_id=a.community.id, name="市场党支部", kind=BranchKind.ATTACHED,
                      mode=AttachMode.MARKET, organisation_name="雄关农贸市场")
    db.session.add(attached)
    district = user("district", Role.DISTRICT)
    db.session.commit()
    return World(a=a, b=b, district=district)
