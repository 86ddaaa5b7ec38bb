"""District-scale data: `flask --app partyorg seed-scale --members 20000`.

Builds a whole district (30 communities) for benchmarks: grids, buildings with stairwell units,
branches of every kind, 20 resident units per community, members of the four categories in
realistic shares, a year of supervision steps and joint activities. Everything is written with
bulk INSERTs of plain dicts (one commit per community) and a fixed random seed; no accounts, no
audit rows. Communities that already exist (e.g. from seed-demo) are skipped.
"""
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, insert, select
from stdnum.cn import uscc

from .demo import RURAL, URBAN
from .domain import workflow as wf
from .domain.idnumber import make_number
from .extensions import db
from .models import (
    EDUCATION_CHOICES,
    ActivityKind,
    ActivityState,
    AssistedInfo,
    AttachMode,
    Branch,
    BranchKind,
    Building,
    Category,
    Community,
    CommunityClass,
    CommunityKind,
    DualInfo,
    Gender,
    Grid,
    GridOfficer,
    JointActivity,
    Member,
    MemberType,
    PartyCommittee,
    PartyGroup,
    ResidentUnit,
    StairUnit,
    StepState,
    SupervisionStep,
    TakeoverInfo,
    TakeoverReason,
    UnitKind,
    utcnow,
)
from .models.activity import joint_activity_participant, joint_activity_unit

SEED = 20261130
MAX_MEMBERS = 200_000
COMMUNITY_COUNT = 30
UNITS_PER_COMMUNITY = 20
SHARES = ((Category.DIRECT, 0.45), (Category.DUAL, 0.25), (Category.TAKEOVER, 0.10), (Category.ASSISTED, 0.20))

#: Generated community names beyond the six demo ones (names are stored without "社区").
EXTRA_NAMES = (
    "雄关", "峪泉", "新城", "文殊", "胜利", "五一", "建设", "朝阳", "长城", "镜铁", "前进", "光明",
    "和平", "兰新", "迎宾", "紫轩", "明珠", "南湖", "东湖", "嘉北", "关城", "团结", "育才", "铁南",
    "福民", "丝路", "天诚", "矿山",
)
#: Home areas for ID numbers, none used by the demo data (so numbers never collide with it).
ID_AREAS = (
    "620302", "620321", "620402", "620421", "620502", "620602", "620702", "620802", "620921",
    "620922", "620981", "620982", "621002", "621102", "621202", "620103", "620104", "620105",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆建国志峰"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英兰萍红梅琳燕洁晶慧雪颖倩婷欣月"
UNIT_KINDS = (
    (UnitKind.GOVERNMENT, "机关", "11"), (UnitKind.INSTITUTION, "中心", "12"), (UnitKind.SCHOOL, "学校", "12"),
    (UnitKind.HOSPITAL, "卫生院", "12"), (UnitKind.STATE_FIRM, "有限公司", "91"),
    (UnitKind.PRIVATE_FIRM, "商贸有限公司", "91"), (UnitKind.SOCIAL_ORG, "协会", "51"), (UnitKind.OTHER, "合作社", "93"),
)
UNIT_TRADES = ("供电", "供水", "燃气", "邮政", "通信", "物业", "建材", "物流", "餐饮", "商贸", "农产品", "文化",
               "交通", "税务", "教育", "医疗", "环卫", "金融", "保险", "旅游")
ACTIVITY_TITLES = {
    ActivityKind.PARTY_WORK: "联合主题党日", ActivityKind.SECURITY: "治安联防巡逻",
    ActivityKind.WELFARE: "公益志愿服务", ActivityKind.NEEDY: "走访慰问困难群众", ActivityKind.CIVILITY: "文明小区环境整治",
}
STEP_NOTES = ("按要求办理。", "已完成，材料存档。", "电话联系，情况良好。", "入户走访。")


@dataclass
class ScaleReport:
    communities: int = 0
    skipped: int = 0
    units: int = 0
    members: int = 0
    steps: int = 0
    activities: int = 0


def check_members(value: int) -> None:
    """Raise ValueError with a Chinese message for a size outside 1..MAX_MEMBERS."""
    if value < 1 or value > MAX_MEMBERS:
        raise ValueError(f"党员人数应在 1 到 {MAX_MEMBERS} 之间。")


def community_names() -> list[str]:
    names = list(dict.fromkeys(URBAN + RURAL + EXTRA_NAMES))
    return names[:COMMUNITY_COUNT]


def seed_scale(members: int, today: date | None = None) -> ScaleReport:
    """Create the district's missing communities with `members` members spread over them."""
    check_members(members)
    builder = _Builder(today or date.today())
    return builder.build(members)


def _bulk(model, rows: list[dict]) -> list[int]:
    """INSERT rows in one executemany, returning the new ids in row order."""
    if not rows:
        return []
    result = db.session.execute(
        insert(model).returning(model.id, sort_by_parameter_order=True), rows
    )
    return [r[0] for r in result]


class _Builder:
    def __init__(self, today: date):
        self.today = today
        self.rng = random.Random(SEED)
        self.now = utcnow()
        self.id_numbers = set(db.session.scalars(select(Member.id_number)))
        self.credit_codes = {c for c in db.session.scalars(select(ResidentUnit.credit_code)) if c}

    # -- generators ------------------------------------------------------------------------

    def name(self, gender: Gender) -> str:
        chars = GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE
        given = self.rng.choice(chars) + (self.rng.choice(chars) if self.rng.random() < 0.7 else "")
        return self.rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        return self.rng.choice(("139", "138", "189", "186", "177", "151")) + f"{self.rng.randrange(10**8):08d}"

    def id_number(self, birth: date, gender: Gender) -> str:
        while True:
            area = self.rng.choice(ID_AREAS)
            sequence = self.rng.randrange(500) * 2 + (1 if gender == Gender.MALE else 0)
            number = make_number(area, birth, sequence)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def credit_code(self, prefix: str) -> str:
        while True:
            body = f"{self.rng.randrange(10**8):08d}"
            check = 11 - sum(int(d) * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
            code = prefix + "620200" + body + {10: "X", 11: "0"}.get(check, str(check))
            code += uscc.calc_check_digit(code)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    # -- the district ----------------------------------------------------------------------

    def build(self, total: int) -> ScaleReport:
        report = ScaleReport()
        existing = set(db.session.scalars(select(Community.name)))
        todo = [n for n in community_names() if n not in existing]
        report.skipped = COMMUNITY_COUNT - len(todo)
        if not todo:
            return report
        base, extra = divmod(total, len(todo))
        plan = []
        for category, share in SHARES:
            plan += [category] * round(total * share)
        plan = (plan + [Category.DIRECT] * total)[:total]
        self.rng.shuffle(plan)
        start = 0
        for i, name in enumerate(todo):
            count = base + (1 if i < extra else 0)
            try:
                self.community(name, plan[start:start + count], report)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            start += count
            report.communities += 1
        return report

    def community(self, name: str, plan: list, report: ScaleReport) -> None:
        rng = self.rng
        urban = name not in RURAL and rng.random() < 0.8
        (cid,) = _bulk(Community, [{
            "name": name, "kind": CommunityKind.URBAN if urban else CommunityKind.RURAL,
            "grade": CommunityClass.FIRST if urban else CommunityClass.SECOND,
            "address": f"甘肃省嘉峪关市{name}社区服务中心", "note": "", "version": 1,
        }])
        _bulk(PartyCommittee, [{"community_id": cid, "name": f"{name}社区党委", "founded_on": date(2012, 7, 1),
                                "min_size": 7, "max_size": 11, "note": "", "version": 1}])
        grid_count = rng.randint(4, 6)
        grids = _bulk(Grid, [{"community_id": cid, "name": f"第{'一二三四五六'[g]}网格",
                              "area": f"{name}社区{'一二三四五六'[g]}片区", "version": 1} for g in range(grid_count)])
        _bulk(GridOfficer, [{"grid_id": g, "name": self.name(Gender.FEMALE), "phone": self.mobile()}
                            for g in grids for _ in range(rng.randint(2, 4))])
        building_count = max(3, len(plan) // 30)
        b_rows = [{"community_id": cid, "grid_id": grids[b * grid_count // building_count],
                   "name": f"{b + 1}号楼", "address": f"{name}社区{b + 1}号楼", "floors": rng.choice((5, 6, 7, 11)),
                   "version": 1} for b in range(building_count)]
        buildings = _bulk(Building, b_rows)
        s_rows, s_owner = [], []
        for b, bid in enumerate(buildings):
            for pos in range(1, rng.randint(2, 4) + 1):
                s_rows.append({"building_id": bid, "name": f"{pos}单元", "position": pos})
                s_owner.append((b, bid))
        stairs = list(zip(_bulk(StairUnit, s_rows), s_owner))  # (stair id, (building index, building id))
        floors = {bid: row["floors"] for bid, row in zip(buildings, b_rows)}
        grid_of = {bid: row["grid_id"] for bid, row in zip(buildings, b_rows)}

        # Resident units.
        u_rows = []
        for u in range(UNITS_PER_COMMUNITY):
            kind, suffix, prefix = UNIT_KINDS[u % len(UNIT_KINDS)]
            unit_name = f"嘉峪关市{name}{UNIT_TRADES[u]}{suffix}"
            end = self.today + timedelta(days=rng.randint(-60, 900))
            u_rows.append({
                "community_id": cid, "name": unit_name, "kind": kind, "credit_code": self.credit_code(prefix),
                "party_org_name": f"{unit_name}党支部", "address": f"嘉峪关市{name}社区",
                "agreement_start": end.replace(year=end.year - 3, day=min(end.day, 28)), "agreement_end": end,
                "liaison_name": self.name(Gender.MALE), "liaison_phone": self.mobile(), "note": "", "version": 1,
            })
        units = _bulk(ResidentUnit, u_rows)
        report.units += len(units)

        # Branches of every kind.
        br = []
        residential_count = max(1, grid_count // 2)
        for r in range(residential_count):
            br.append({"name": f"{name}社区第{'一二三'[r]}党支部", "kind": BranchKind.RESIDENTIAL})
        building_branch_of = {}
        for b in range(0, building_count, 4):
            building_branch_of[buildings[b]] = len(br)
            br.append({"name": f"{b + 1}号楼党支部", "kind": BranchKind.BUILDING, "building_id": buildings[b]})
        functional = [len(br), len(br) + 1]
        br.append({"name": f"{name}社区便民服务党支部", "kind": BranchKind.FUNCTIONAL, "subtype": "便民服务型"})
        br.append({"name": f"{name}社区治安维稳党支部", "kind": BranchKind.FUNCTIONAL, "subtype": "维稳保障型"})
        br.append({"name": f"{name}农贸市场党支部", "kind": BranchKind.ATTACHED, "mode": AttachMode.MARKET,
                   "organisation_name": f"{name}农贸市场", "resident_unit_id": units[5]})
        br.append({"name": f"{name}商圈党支部", "kind": BranchKind.ATTACHED, "mode": AttachMode.BUSINESS,
                   "organisation_name": f"{name}商圈"})
        for row in br:
            row.update({"community_id": cid, "founded_on": date(2013, 3, 1), "note": "", "version": 1,
                        "status": "active", "building_id": row.get("building_id"), "subtype": row.get("subtype"),
                        "mode": row.get("mode"), "organisation_name": row.get("organisation_name", ""),
                        "resident_unit_id": row.get("resident_unit_id")})
        branches = _bulk(Branch, br)
        g_rows = [{"branch_id": branches[building_branch_of[bid]], "name": f"{s_row['name']}党小组",
                   "stair_unit_id": sid, "version": 1, "status": "active"}
                  for (sid, (_b, bid)), s_row in zip(stairs, s_rows) if bid in building_branch_of]
        group_of_stair = dict(zip((r["stair_unit_id"] for r in g_rows), _bulk(PartyGroup, g_rows)))
        grid_index = {g: i for i, g in enumerate(grids)}

        # Members.
        m_rows = []
        for category in plan:
            gender = Gender.MALE if rng.random() < 0.52 else Gender.FEMALE
            birth = self.day_between(*{
                Category.DIRECT: (date(1945, 1, 1), date(2003, 12, 31)),
                Category.DUAL: (date(1940, 1, 1), date(1965, 12, 31)),
                Category.TAKEOVER: (date(1968, 1, 1), date(2002, 12, 31)),
                Category.ASSISTED: (date(1966, 1, 1), date(2001, 12, 31)),
            }[category])
            probationary = category != Category.DUAL and birth.year >= 1990 and rng.random() < 0.05
            if probationary:
                joined, full = self.today - timedelta(days=rng.randint(20, 340)), None
            else:
                first = date(birth.year + 18, 1, 1)
                joined = self.day_between(first, min(self.today - timedelta(days=400), date(birth.year + 50, 1, 1)))
                full = joined + timedelta(days=365)
            sid, (_b, bid) = rng.choice(stairs)
            if category == Category.ASSISTED:
                branch, group = branches[rng.choice(functional)], None
                work_unit = u_rows[rng.randrange(UNITS_PER_COMMUNITY)]["name"]
                post = rng.choice(("职工", "干部", "教师", "技术员"))
            else:
                if bid in building_branch_of:
                    branch, group = branches[building_branch_of[bid]], group_of_stair[sid]
                else:
                    branch, group = branches[grid_index[grid_of[bid]] * residential_count // grid_count], None
                if category == Category.DIRECT and rng.random() < 0.05:
                    branch, group = branches[-2], None  # traders of the market
                work_unit, post = {
                    Category.DUAL: ("酒钢集团", "退休"), Category.TAKEOVER: ("", "下岗职工"),
                }.get(category, ("", "居民"))
            m_rows.append({
                "community_id": cid, "name": self.name(gender), "gender": gender, "ethnicity": "汉族",
                "birth_date": birth, "id_number": self.id_number(birth, gender), "id_legacy": False,
                "education": rng.choice(EDUCATION_CHOICES),
                "member_type": MemberType.PROBATIONARY if probationary else MemberType.FULL,
                "joined_on": joined, "full_on": full, "work_unit": work_unit, "post": post, "phone": self.mobile(),
                "building_id": bid, "stair_unit_id": sid, "room": f"{rng.randint(1, floors[bid])}0{rng.randint(1, 2)}",
                "branch_id": branch, "group_id": group, "category": category,
                "relation_here": category != Category.ASSISTED, "status": "active", "status_on": None,
                "status_reason": "", "version": 1,
            })
        member_ids = _bulk(Member, m_rows)
        report.members += len(member_ids)
        self.leaders(branches, group_of_stair, member_ids, m_rows)
        self.category_data(member_ids, m_rows)
        report.steps += self.steps(cid, member_ids, m_rows)
        report.activities += self.activities(cid, units, member_ids)

    def leaders(self, branches, group_of_stair, member_ids, m_rows) -> None:
        """A full, non-assisted member as each branch's secretary and each group's leader."""
        sec, lead = {}, {}
        for mid, row in zip(member_ids, m_rows):
            if row["member_type"] != MemberType.FULL:
                continue
            sec.setdefault(row["branch_id"], mid)
            if row["group_id"] and sec[row["branch_id"]] != mid:
                lead.setdefault(row["group_id"], mid)
        if sec:
            t = Branch.__table__
            db.session.execute(t.update().where(t.c.id == bindparam("b_id")).values(secretary_id=bindparam("m_id")),
                               [{"b_id": b, "m_id": m} for b, m in sec.items()])
        if lead:
            t = PartyGroup.__table__
            db.session.execute(t.update().where(t.c.id == bindparam("g_id")).values(leader_id=bindparam("m_id")),
                               [{"g_id": g, "m_id": m} for g, m in lead.items()])

    def category_data(self, member_ids, m_rows) -> None:
        rng = self.rng
        dual, takeover, assisted = [], [], []
        for mid, row in zip(member_ids, m_rows):
            if row["category"] == Category.DUAL:
                dual.append({"member_id": mid, "former_employer": row["work_unit"],
                             "former_party_org": f"{row['work_unit']}离退休党总支",
                             "contact_person": f"{rng.choice(SURNAMES)}主任", "contact_phone": self.mobile(),
                             "version": 1})
            elif row["category"] == Category.TAKEOVER:
                issued = self.today - timedelta(days=rng.randint(40, 365))
                takeover.append({"member_id": mid, "reason": rng.choice(list(TakeoverReason)),
                                 "origin_org": "酒钢集团党委", "letter_number": f"甘组介{issued.year}-{rng.randint(1, 999):03d}",
                                 "letter_issuer": "中共嘉峪关市委组织部", "letter_issued_on": issued,
                                 "letter_valid_days": 30, "letter_expiry_override": False,
                                 "letter_override_reason": "", "version": 1})
            elif row["category"] == Category.ASSISTED:
                assisted.append({"member_id": mid, "employer": row["work_unit"],
                                 "employer_party_org": f"{row['work_unit']}党支部",
                                 "reported_on": self.today - timedelta(days=rng.randint(0, 365)),
                                 "skills": "", "service_preference": "周末参加社区服务", "claimed_posts": "",
                                 "version": 1})
        for model, rows in ((DualInfo, dual), (TakeoverInfo, takeover), (AssistedInfo, assisted)):
            if rows:
                db.session.execute(insert(model), rows)

    # -- a year of supervision steps ---------------------------------------------------------

    def steps(self, cid: int, member_ids, m_rows) -> int:
        """Each member's plan as open_plan would create it a year or less ago, moved on since."""
        rng, today = self.rng, self.today
        rows = []
        for mid, m in zip(member_ids, m_rows):
            category = m["category"]
            registered = today - timedelta(days=rng.randint(0, 365))
            defs = wf.plan(category)

            def new(seq, defn, due, period=None, done=None, mid=mid, category=category):
                row = {
                    "member_id": mid, "community_id": cid, "category": category, "plan_no": 1,
                    "step_code": defn.code, "seq": seq, "period_key": period, "post": defn.post,
                    "responsible_role": defn.responsible_role, "responsible_user_id": None, "task": defn.task,
                    "standard": defn.standard, "time_limit_text": wf.limit_text(defn, category),
                    "limit_days": defn.limit.days if isinstance(defn.limit, wf.Relative) else None,
                    "due_on": due, "state": StepState.PENDING, "done_at": None, "done_by_id": None,
                    "note": "", "evidence": "", "outcome": "", "hours": None, "waive_reason": "",
                    "closed_reason": "", "version": 1, "created_at": self.now,
                }
                if done is not None:
                    row["state"] = StepState.DONE
                    row["done_at"] = datetime.combine(done, time(rng.randint(8, 17), rng.choice((0, 30))))
                    row["note"] = rng.choice(STEP_NOTES)
                    if defn.needs_outcome:
                        row["outcome"] = rng.choice(("优秀", "合格", "合格", "合格"))
                    if defn.needs_hours:
                        row["hours"] = float(rng.randint(2, 16))
                rows.append(row)

            # One-off steps: due as open_plan computes them; mostly done on time, some late (overdue).
            previous_due = registered
            for seq, defn in enumerate(defs, start=1):
                if defn.recurring or defn.follows:
                    continue
                after = defn.limit.after
                base = previous_due if after == wf.PREVIOUS else registered
                due = base + timedelta(days=defn.limit.days)
                previous_due = due
                done = None
                if due <= today and rng.random() < 0.85:
                    done = self.day_between(registered, min(due, today))
                elif due > today and rng.random() < 0.3:
                    done = self.day_between(registered, today)
                new(seq, defn, due, done=done)
            # Recurring steps: one per period since registration; past ones mostly done.
            for seq, defn in enumerate(defs, start=1):
                if not defn.recurring:
                    continue
                key = wf.period_key(defn.limit.period, registered)
                current = wf.period_key(defn.limit.period, today)
                while True:
                    first, last = wf.period_bounds(key)
                    if key == current:
                        done = self.day_between(max(first, registered), today) if rng.random() < 0.3 else None
                    else:
                        done = self.day_between(max(first, registered), last) if rng.random() < 0.9 else None
                    new(seq, defn, last, key, done)
                    if done is not None:
                        for fseq, follow in enumerate(defs, start=1):
                            if follow.follows == defn.code:
                                fdue = done + timedelta(days=follow.limit.days)
                                fdone = self.day_between(done, min(fdue, today)) if rng.random() < 0.8 else None
                                new(fseq, follow, fdue, key, fdone)
                    if key == current:
                        break
                    key = wf.next_period_key(key)
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(SupervisionStep), rows[i:i + 5000])
        return len(rows)

    # -- joint activities ----------------------------------------------------------------------

    def activities(self, cid: int, units: list[int], member_ids: list[int]) -> int:
        rng, today = self.rng, self.today
        rows, hosts = [], []
        states = (ActivityState.CONFIRMED,) * 14 + (ActivityState.SUBMITTED,) * 3 + (
            ActivityState.RETURNED, ActivityState.RESUBMITTED, ActivityState.DRAFT)
        for unit in units:
            for _ in range(rng.randint(2, 5)):
                kind = rng.choice(list(ActivityKind))
                held = today - timedelta(days=rng.randint(0, 365))
                start = rng.choice((8, 9, 14, 15))
                state = rng.choice(states)
                submitted = None if state == ActivityState.DRAFT else datetime.combine(held, time(18))
                reviewed = (datetime.combine(held + timedelta(days=2), time(10))
                            if state in (ActivityState.CONFIRMED, ActivityState.RETURNED) else None)
                rows.append({
                    "community_id": cid, "unit_id": unit, "kind": kind, "title": ACTIVITY_TITLES[kind],
                    "held_on": held, "start_time": time(start), "end_time": time(start + 2),
                    "place": "社区服务中心", "other_count": rng.randint(0, 30), "hours": 2.0,
                    "summary": "组织党员和职工参加活动。", "state": state,
                    "return_reason": "请补充活动照片。" if state == ActivityState.RETURNED else "",
                    "created_by_id": None, "submitted_at": submitted, "reviewed_at": reviewed,
                    "reviewed_by_id": None, "version": 1,
                })
                hosts.append(unit)
        ids = _bulk(JointActivity, rows)
        links, people = [], []
        for aid, host in zip(ids, hosts):
            links.append({"activity_id": aid, "unit_id": host})
            other = rng.choice(units)
            if other != host and rng.random() < 0.4:
                links.append({"activity_id": aid, "unit_id": other})
            for mid in rng.sample(member_ids, min(len(member_ids), rng.randint(2, 8))):
                people.append({"activity_id": aid, "member_id": mid})
        db.session.execute(insert(joint_activity_unit), links)
        if people:
            db.session.execute(insert(joint_activity_participant), people)
        return len(ids)
