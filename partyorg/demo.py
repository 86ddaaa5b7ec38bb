"""Demo data: the six Jiayuguan demonstration communities of the 2012 case study, 昌盛 in full.

`seed_demo()` is what `flask --app partyorg seed-demo` runs. The names, numbers and choices come
from generators seeded with a fixed value, so every run builds the same people; only the dates
that must stay current (agreements about to end, probationary members) move with today.
"""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import select
from stdnum.cn import uscc
from werkzeug.security import generate_password_hash

from .demo_cobuilding import ELECTED_ON, TERM_YEARS, seed_cobuilding
from .demo_workflow import seed_plans
from .domain.idnumber import make_number
from .extensions import db
from .models import (
    EDUCATION_CHOICES,
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

DEMO_PASSWORD = "Demo-2026-partyorg"

#: (username, role label, what to try) for whoever shows the demo; every account uses DEMO_PASSWORD.
DEMO_LOGINS = [
    ("district", Role.DISTRICT.label, "查看六个示范社区的概况和统计，只读"),
    ("changsheng_secretary", Role.SECRETARY.label, "昌盛社区：管理大党委、支部、驻区单位和账号；首页提示即将到期的任期和协议"),
    ("changsheng_staff", Role.STAFF.label, "昌盛社区：维护党员档案，确认或退回驻区单位提交的联建活动"),
    ("changsheng_branch", Role.BRANCH_SECRETARY.label, "昌盛社区1号楼党支部：本支部党员和各单元党小组"),
    ("changsheng_liaison", Role.LIAISON.label, "嘉峪关市第一中学：登记、提交本单位联建活动（含被退回的活动），看不到他人身份证号、电话和住址"),
    ("xinhua_secretary", Role.SECRETARY.label, "新华社区：只能看到本社区，打不开昌盛社区的页面"),
]

SEED = 20120730
FLAGSHIP = "昌盛"

URBAN = ("新华", "祁连", "昌盛")
RURAL = ("黄草营", "石桥", "安远沟")
#: Small communities: (grids, buildings, members).
SMALL_PLAN = {"新华": (2, 4, 28), "祁连": (2, 3, 22), "黄草营": (2, 3, 16), "石桥": (2, 3, 18), "安远沟": (2, 2, 12)}
#: Members of 昌盛 by category: direct ~45%, dual ~25%, takeover ~10%, assisted ~20%.
FLAGSHIP_MEMBERS = {Category.DIRECT: 135, Category.DUAL: 75, Category.TAKEOVER: 30, Category.ASSISTED: 60}
#: 52 grid officers over six grids, as in the case study.
OFFICERS_PER_GRID = (9, 9, 9, 9, 8, 8)
GRID_NAMES = ("第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格")
ORDINALS = ("一", "二", "三", "四", "五", "六")

#: Home areas for ID numbers: mostly Jiayuguan, some from elsewhere in Gansu.
ID_AREAS = ("620201",) * 6 + ("620202",) * 3 + ("620902", "622201", "620102")
MOBILE_PREFIXES = (
    "130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "153", "155", "157",
    "158", "159", "177", "180", "181", "186", "187", "189", "199",
)
ETHNICITIES = ("汉族",) * 46 + ("回族", "回族", "藏族", "蒙古族")
CREDIT_PREFIX = {
    UnitKind.GOVERNMENT: "11", UnitKind.INSTITUTION: "12", UnitKind.SCHOOL: "12", UnitKind.HOSPITAL: "12",
    UnitKind.STATE_FIRM: "91", UnitKind.PRIVATE_FIRM: "91", UnitKind.SOCIAL_ORG: "51", UnitKind.OTHER: "93",
}
POSTS = {
    UnitKind.GOVERNMENT: ("科员", "副科长", "科长"), UnitKind.INSTITUTION: ("馆员", "干部"),
    UnitKind.SCHOOL: ("教师", "教研组长", "班主任"), UnitKind.HOSPITAL: ("医生", "护士", "药剂师"),
    UnitKind.STATE_FIRM: ("技术员", "工程师", "职工", "班组长"), UnitKind.PRIVATE_FIRM: ("职员", "销售经理"),
    UnitKind.SOCIAL_ORG: ("专职工作人员",), UnitKind.OTHER: ("职工",),
}
OTHER_EMPLOYERS = (
    ("酒钢集团宏兴钢铁股份有限公司", ("技术员", "职工", "工程师")),
    ("嘉峪关市公安局", ("民警",)),
    ("嘉峪关市税务局", ("科员",)),
    ("嘉峪关市第二人民医院", ("护士", "医生")),
    ("嘉峪关市实验小学", ("教师",)),
)
FORMER_EMPLOYERS = (
    "酒钢集团", "酒钢集团", "酒钢集团", "嘉峪关市第一中学", "嘉峪关市第一人民医院", "嘉峪关市供电公司",
    "嘉峪关市粮食局", "嘉峪关市商业局", "嘉峪关市建筑公司", "嘉峪关市邮电局",
)


@dataclass
class FlagshipUnit:
    name: str
    kind: UnitKind
    party_org: str
    #: Days from today to the agreement's end (negative: already ended).
    ends_in: int


FLAGSHIP_UNITS = (
    FlagshipUnit("嘉峪关市第一中学", UnitKind.SCHOOL, "嘉峪关市第一中学党委", 540),
    FlagshipUnit("嘉峪关市第一人民医院", UnitKind.HOSPITAL, "嘉峪关市第一人民医院党委", 35),
    FlagshipUnit("酒钢集团宏兴物业服务有限公司", UnitKind.STATE_FIRM, "酒钢集团宏兴物业服务有限公司党总支", 760),
    FlagshipUnit("嘉峪关市供电公司", UnitKind.STATE_FIRM, "嘉峪关市供电公司党委", 48),
    FlagshipUnit("嘉峪关雄关商贸有限公司", UnitKind.PRIVATE_FIRM, "嘉峪关雄关商贸有限公司党支部", 300),
    FlagshipUnit("嘉峪关市义工联合会", UnitKind.SOCIAL_ORG, "嘉峪关市义工联合会党支部", -20),
    FlagshipUnit("嘉峪关市人力资源和社会保障局", UnitKind.GOVERNMENT, "嘉峪关市人力资源和社会保障局机关党支部", 400),
    FlagshipUnit("嘉峪关市图书馆", UnitKind.INSTITUTION, "嘉峪关市图书馆党支部", 210),
    FlagshipUnit("雄关农贸市场管理有限公司", UnitKind.PRIVATE_FIRM, "雄关农贸市场党支部", 620),
)
SMALL_UNITS = {
    "新华": (("嘉峪关市新华小学", UnitKind.SCHOOL), ("嘉峪关市邮政分公司", UnitKind.STATE_FIRM)),
    "祁连": (("嘉峪关市中医医院", UnitKind.HOSPITAL),),
    "黄草营": (("黄草营村蔬菜种植专业合作社", UnitKind.OTHER),),
    "石桥": (("石桥村卫生室", UnitKind.INSTITUTION), ("嘉峪关石桥农产品有限公司", UnitKind.PRIVATE_FIRM)),
    "安远沟": (("安远沟小学", UnitKind.SCHOOL),),
}


def seed_demo() -> bool:
    """Load the demo communities; return False (changing nothing) when they are already there."""
    if db.session.scalar(select(Community.id).where(Community.name == FLAGSHIP)) is not None:
        return False
    try:
        _Builder(date.today()).build()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _add_all(objects: list) -> list:
    db.session.add_all(objects)
    db.session.flush()
    return objects


@dataclass
class _Place:
    """A community's physical layout and how members are attached to branches there."""

    community: Community
    grids: list = field(default_factory=list)
    buildings: list = field(default_factory=list)
    #: (building, stair unit, grid index) for every stair unit.
    stairs: list = field(default_factory=list)
    units: list = field(default_factory=list)
    #: building id -> (branch, {stair unit id: group})
    building_branches: dict = field(default_factory=dict)
    #: grid index -> residential branch
    residential: dict = field(default_factory=dict)
    functional: list = field(default_factory=list)


class _Builder:
    def __init__(self, today: date):
        self.today = today
        self.rng = random.Random(SEED)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)
        self.id_numbers: set[str] = set()
        self.credit_codes: set[str] = set()
        self.password_hash = generate_password_hash(DEMO_PASSWORD)

    # -- small generators ----------------------------------------------------------------------

    def person_name(self, gender: Gender) -> str:
        given = self.fake.first_name_male() if gender == Gender.MALE else self.fake.first_name_female()
        return self.fake.last_name() + given

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self) -> str:
        return f"0937-62{self.rng.randrange(10**5):05d}"

    def id_number(self, birth: date, gender: Gender) -> tuple[str, bool]:
        """A unique citizen ID number; first-generation 15 digits for members born before 1940."""
        legacy = birth.year < 1940
        while True:
            area = self.rng.choice(ID_AREAS)
            sequence = self.rng.randrange(500) * 2 + (1 if gender == Gender.MALE else 0)
            if legacy:
                number = f"{area}{birth:%y%m%d}{sequence:03d}"
            else:
                number = make_number(area, birth, sequence)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number, legacy

    def credit_code(self, kind: UnitKind) -> str:
        """A unique 统一社会信用代码 registered in Jiayuguan (620200)."""
        while True:
            body = f"{self.rng.randrange(10**8):08d}"
            weights = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check digit
            check = 11 - sum(int(d) * w for d, w in zip(body, weights)) % 11
            org_code = body + {10: "X", 11: "0"}.get(check, str(check))
            code = CREDIT_PREFIX[kind] + "620200" + org_code
            code += uscc.calc_check_digit(code)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def birth(self, first_year: int, last_year: int) -> date:
        start = date(first_year, 1, 1)
        return start + timedelta(days=self.rng.randrange((date(last_year, 12, 31) - start).days + 1))

    def education(self, birth: date) -> str:
        if birth.year < 1955:
            weights = (0, 3, 8, 12, 30, 47)
        elif birth.year < 1975:
            weights = (2, 18, 28, 17, 22, 13)
        else:
            weights = (12, 48, 27, 6, 5, 2)
        return self.rng.choices(EDUCATION_CHOICES, weights)[0]

    # -- the whole thing -------------------------------------------------------------------------

    def build(self) -> None:
        communities = {
            name: Community(
                name=name,
                kind=CommunityKind.URBAN if name in URBAN else CommunityKind.RURAL,
                grade=CommunityClass.FIRST if name in URBAN else CommunityClass.SECOND,
                address=f"甘肃省嘉峪关市{name}社区服务中心",
                note="“一委一会一中心”：社区党委、居民议事会、社区服务中心。",
            )
            for name in URBAN + RURAL
        }
        _add_all(list(communities.values()))
        _add_all([
            PartyCommittee(
                community_id=c.id, name=f"{c.name}社区党委", founded_on=date(2012, 7, 1),
                term_start=ELECTED_ON, term_end=add_years(ELECTED_ON, TERM_YEARS) - timedelta(days=1),
                min_size=7, max_size=11,
            )
            for c in communities.values()
        ])
        flagship = self.build_flagship(communities[FLAGSHIP])
        xinhua = None
        for name, (grids, buildings, members) in SMALL_PLAN.items():
            place = self.build_small(communities[name], grids, buildings, members)
            if name == "新华":
                xinhua = place
        self.build_accounts(flagship, xinhua)
        seed_plans(self.rng, self.today, flagship.community.id)
        seed_cobuilding(self.rng, self.today, flagship.community.id, self.person_name)

    def build_flagship(self, c: Community) -> _Place:
        place = _Place(c)
        self.layout(place, len(GRID_NAMES), 12, OFFICERS_PER_GRID, floors=(6, 6, 7, 5), stairs=(2, 4))
        place.units = self.resident_units(c, [(u.name, u.kind, u.party_org, u.ends_in) for u in FLAGSHIP_UNITS])
        by_name = {u.name: u for u in place.units}

        branches = [
            Branch(community_id=c.id, name=f"{b.name}党支部", kind=BranchKind.BUILDING, building_id=b.id,
                   founded_on=date(2012, 9, 1), note="楼宇建党支部、单元设党小组。")
            for b in (place.buildings[0], place.buildings[4], place.buildings[8])
        ]
        residential = [
            Branch(community_id=c.id, name=f"昌盛社区第{ORDINALS[i]}党支部", kind=BranchKind.RESIDENTIAL,
                   founded_on=date(2012, 8, 15), note=f"覆盖{GRID_NAMES[2 * i]}、{GRID_NAMES[2 * i + 1]}的居民党员。")
            for i in range(3)
        ]
        service = Branch(community_id=c.id, name="便民服务党支部", kind=BranchKind.FUNCTIONAL, subtype="便民服务型",
                         founded_on=date(2013, 3, 5), note="义务理发、家电维修、代购代办、“四点半课堂”。")
        safety = Branch(community_id=c.id, name="治安维稳党支部", kind=BranchKind.FUNCTIONAL, subtype="维稳保障型",
                        founded_on=date(2013, 3, 5), note="配合“2警7联防”巡逻队，参与矛盾纠纷排查调解。")
        market = Branch(community_id=c.id, name="雄关农贸市场党支部", kind=BranchKind.ATTACHED, mode=AttachMode.MARKET,
                        organisation_name="雄关农贸市场", resident_unit_id=by_name["雄关农贸市场管理有限公司"].id,
                        founded_on=date(2013, 6, 28))
        association = Branch(community_id=c.id, name="个体劳动者协会党支部", kind=BranchKind.ATTACHED,
                             mode=AttachMode.ASSOCIATION, organisation_name="嘉峪关市个体劳动者协会昌盛分会",
                             founded_on=date(2014, 5, 12))
        _add_all(branches + residential + [service, safety, market, association])
        self.building_groups(place, branches)
        place.residential = {g: residential[g // 2] for g in range(len(GRID_NAMES))}
        place.functional = [service, safety]

        plan = [cat for cat, n in FLAGSHIP_MEMBERS.items() for _ in range(n)]
        self.rng.shuffle(plan)
        # A few direct members trade at the market or belong to the association instead.
        special = {}
        direct_indexes = [i for i, cat in enumerate(plan) if cat == Category.DIRECT]
        for i in direct_indexes[:8]:
            special[i] = (market, "雄关农贸市场", "商户")
        for i in direct_indexes[8:14]:
            special[i] = (association, "个体经营", "个体工商户")
        members = self.members(place, plan, special, probationary=9)
        self.assign_leaders(place, members, [service, safety, market, association] + residential)
        return place

    def build_small(self, c: Community, grids: int, buildings: int, count: int) -> _Place:
        place = _Place(c)
        rural = c.kind == CommunityKind.RURAL
        self.layout(place, grids, buildings, (3,) * grids, floors=(3, 4) if rural else (6, 7), stairs=(2, 3),
                    prefix="居民点" if rural else "")
        ends = (400, 90)
        place.units = self.resident_units(
            c, [(name, kind, f"{name}党支部", ends[i]) for i, (name, kind) in enumerate(SMALL_UNITS[c.name])]
        )
        first = Branch(community_id=c.id, name=f"{c.name}社区第一党支部", kind=BranchKind.RESIDENTIAL,
                       founded_on=date(2012, 8, 20))
        if rural:
            second = Branch(community_id=c.id, name=f"{c.name}社区便民服务党支部", kind=BranchKind.FUNCTIONAL,
                            subtype="便民服务型", founded_on=date(2013, 4, 1))
            _add_all([first, second])
            place.functional = [second]
        else:
            second = Branch(community_id=c.id, name=f"{place.buildings[0].name}党支部", kind=BranchKind.BUILDING,
                            building_id=place.buildings[0].id, founded_on=date(2012, 9, 10))
            _add_all([first, second])
            self.building_groups(place, [second])
            place.functional = [first]
        place.residential = {g: first for g in range(grids)}
        shares = {Category.DIRECT: 0.45, Category.DUAL: 0.25, Category.TAKEOVER: 0.1}
        plan = [cat for cat, share in shares.items() for _ in range(round(count * share))]
        plan += [Category.ASSISTED] * (count - len(plan))
        self.rng.shuffle(plan)
        members = self.members(place, plan, {}, probationary=1)
        self.assign_leaders(place, members, [first, second] if rural else [first])
        return place

    # -- pieces --------------------------------------------------------------------------------

    def layout(self, place: _Place, grid_count: int, building_count: int, officers: tuple, *,
               floors: tuple, stairs: tuple, prefix: str = "") -> None:
        """Grids with officers, buildings spread over the grids, and 单元 in each building."""
        c = place.community
        place.grids = _add_all([
            Grid(community_id=c.id, name=GRID_NAMES[i], area=f"{c.name}社区{ORDINALS[i]}片区")
            for i in range(grid_count)
        ])
        people = []
        for grid, n in zip(place.grids, officers):
            for _ in range(n):
                gender = Gender.MALE if self.rng.random() < 0.45 else Gender.FEMALE
                people.append(GridOfficer(grid_id=grid.id, name=self.person_name(gender), phone=self.mobile()))
        per_grid = -(-building_count // grid_count)
        place.buildings = [
            Building(community_id=c.id, grid_id=place.grids[i // per_grid].id, name=f"{prefix}{i + 1}号楼",
                     address=f"{c.name}社区{prefix}{i + 1}号楼", floors=self.rng.choice(floors))
            for i in range(building_count)
        ]
        _add_all(people + place.buildings)
        units = []
        for i, b in enumerate(place.buildings):
            for pos in range(1, self.rng.randint(*stairs) + 1):
                unit = StairUnit(building_id=b.id, name=f"{pos}单元", position=pos)
                units.append(unit)
                place.stairs.append((b, unit, i // per_grid))
        _add_all(units)

    def resident_units(self, c: Community, specs: list) -> list:
        units = []
        for name, kind, party_org, ends_in in specs:
            end = self.today + timedelta(days=ends_in)
            liaison_gender = Gender.MALE if self.rng.random() < 0.5 else Gender.FEMALE
            units.append(ResidentUnit(
                community_id=c.id, name=name, kind=kind, credit_code=self.credit_code(kind),
                party_org_name=party_org, address=f"嘉峪关市{c.name}社区",
                agreement_start=add_years(end, -3), agreement_end=end,
                liaison_name=self.person_name(liaison_gender),
                liaison_phone=self.mobile() if self.rng.random() < 0.8 else self.landline(),
                note="签订共驻共建协议，参与“五联”活动。",
            ))
        return _add_all(units)

    def building_groups(self, place: _Place, branches: list) -> None:
        """One party group per 单元 of each building branch's building."""
        groups = []
        for branch in branches:
            mapping = {}
            for building, unit, _grid in place.stairs:
                if building.id == branch.building_id:
                    group = PartyGroup(branch_id=branch.id, name=f"{unit.name}党小组", stair_unit_id=unit.id)
                    mapping[unit.id] = group
                    groups.append(group)
            place.building_branches[branch.building_id] = (branch, mapping)
        _add_all(groups)

    def members(self, place: _Place, plan: list, special: dict, probationary: int) -> list:
        """Members of the categories in `plan`, living in the community and attached to a branch."""
        c = place.community
        eligible = [i for i, cat in enumerate(plan) if cat != Category.DUAL and i not in special]
        probationers = set(self.rng.sample(eligible, min(probationary, len(eligible))))
        dual_indexes = [i for i, cat in enumerate(plan) if cat == Category.DUAL]
        # A handful of the oldest retirees still hold first-generation 15-digit numbers.
        elders = set(dual_indexes[: max(1, len(dual_indexes) // 15)])
        latest_full_join = self.today - timedelta(days=400)
        rows = []
        for i, category in enumerate(plan):
            gender = Gender.MALE if self.rng.random() < (0.56 if category == Category.DUAL else 0.5) else Gender.FEMALE
            if i in probationers:
                birth = self.birth(1988, 2004)
            elif i in elders:
                birth = self.birth(1930, 1939)
            else:
                birth = self.birth(*{
                    Category.DIRECT: (1945, 2003), Category.DUAL: (1940, 1965),
                    Category.TAKEOVER: (1968, 2002), Category.ASSISTED: (1966, 2001),
                }[category])
            number, legacy = self.id_number(birth, gender)
            if i in probationers:
                joined = self.today - timedelta(days=self.rng.randint(20, 340))
                full = None
            else:
                start = add_years(birth, 18)
                span = max(1, min((latest_full_join - start).days, 35 * 365))
                joined = start + timedelta(days=int(self.rng.triangular(0, span, span * 0.25)))
                full = add_years(joined, 1)
            building, unit, grid_index = self.rng.choice(place.stairs)
            floor = self.rng.randint(1, building.floors or 6)
            branch, group = self.branch_for(place, category, building, unit, grid_index)
            work_unit, post = self.work(place, category, birth)
            if i in special:
                branch, work_unit, post = special[i]
                group = None
            rows.append(Member(
                community_id=c.id, name=self.person_name(gender), gender=gender,
                ethnicity=self.rng.choice(ETHNICITIES), birth_date=birth, id_number=number, id_legacy=legacy,
                education=self.education(birth),
                member_type=MemberType.PROBATIONARY if full is None else MemberType.FULL,
                joined_on=joined, full_on=full, work_unit=work_unit, post=post, phone=self.mobile(),
                building_id=building.id, stair_unit_id=unit.id, room=f"{floor}0{self.rng.randint(1, 2)}",
                branch_id=branch.id, group_id=group.id if group else None, category=category,
                relation_here=(category != Category.ASSISTED
                               and (category != Category.DUAL or self.rng.random() < 0.8)),
            ))
        return _add_all(rows)

    def branch_for(self, place: _Place, category: Category, building, unit, grid_index: int):
        if category == Category.ASSISTED:
            # In-service members serve with a functional branch (mostly convenience services).
            weights = [3, 2][: len(place.functional)]
            return self.rng.choices(place.functional, weights)[0], None
        if building.id in place.building_branches:
            branch, groups = place.building_branches[building.id]
            return branch, groups[unit.id]
        return place.residential[grid_index], None

    def work(self, place: _Place, category: Category, birth: date) -> tuple[str, str]:
        if category == Category.DUAL:
            return self.rng.choice(FORMER_EMPLOYERS), "退休"
        if category == Category.TAKEOVER:
            if birth.year >= 1997:
                return "", self.rng.choice(("未就业高校毕业生", "未就业高校毕业生", "复转军人"))
            return "", self.rng.choice(("下岗职工", "解除劳动合同", "复转军人"))
        if category == Category.ASSISTED:
            if place.units and self.rng.random() < 0.7:
                unit = self.rng.choice(place.units)
                return unit.name, self.rng.choice(POSTS[unit.kind])
            employer, posts = self.rng.choice(OTHER_EMPLOYERS)
            return employer, self.rng.choice(posts)
        return self.rng.choice((("", "居民"), ("", "居民"), ("个体经营", "个体工商户"), ("", "灵活就业")))

    def assign_leaders(self, place: _Place, members: list, other_branches: list) -> None:
        """Name a secretary for each branch and a leader for each group from their full members."""
        def pick(candidates):
            full = [m for m in candidates if m.member_type == MemberType.FULL and m.category != Category.ASSISTED]
            return full[0] if full else None

        for branch, groups in place.building_branches.values():
            secretary = pick([m for m in members if m.branch_id == branch.id])
            branch.secretary_id = secretary.id if secretary else None
            for group in groups.values():
                leader = pick([m for m in members if m.group_id == group.id and m is not secretary])
                group.leader_id = leader.id if leader else None
        for branch in other_branches:
            mine = [m for m in members if m.branch_id == branch.id]
            secretary = pick(mine) or (mine[0] if mine else None)
            branch.secretary_id = secretary.id if secretary else None
        db.session.flush()

    def build_accounts(self, flagship: _Place, xinhua: _Place) -> None:
        school = next(u for u in flagship.units if u.name == "嘉峪关市第一中学")
        branch_one, _groups = flagship.building_branches[flagship.buildings[0].id]
        branch_secretary = db.session.get(Member, branch_one.secretary_id)
        cs, xh = flagship.community.id, xinhua.community.id
        accounts = [
            ("district", self.person_name(Gender.MALE), Role.DISTRICT, None, {}),
            ("changsheng_secretary", self.person_name(Gender.FEMALE), Role.SECRETARY, cs, {}),
            ("changsheng_staff", self.person_name(Gender.FEMALE), Role.STAFF, cs, {}),
            ("changsheng_branch", branch_secretary.name, Role.BRANCH_SECRETARY, cs, {"branch_id": branch_one.id}),
            ("changsheng_liaison", school.liaison_name, Role.LIAISON, cs, {"resident_unit_id": school.id}),
            ("xinhua_secretary", self.person_name(Gender.MALE), Role.SECRETARY, xh, {}),
        ]
        _add_all([
            User(username=username, display_name=name, password_hash=self.password_hash, role=role,
                 community_id=community_id, **scope)
            for username, name, role, community_id, scope in accounts
        ])
