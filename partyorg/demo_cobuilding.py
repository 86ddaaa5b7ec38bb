"""Demo 大党委, co-building (共驻共建) and joint activities (五联) of 昌盛, written through the domain.

Everything here goes through the same domain functions the pages call (committee.create_seat,
cobuilding.save_agreement, activities.create_activity / submit / return_activity / confirm ...), so
the demo obeys the app's rules: one secretary, concurrent seats only for units whose agreement is in
force, confirmed activities completing the assisted members' service records. Only the times are
moved back afterwards (audit rows, submitted/reviewed times) so the history reads like a real year.
"""
import io
import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from . import uploads
from .domain import activities, cobuilding, committee
from .extensions import db
from .models import (
    ActivityKind,
    AuditEntry,
    Category,
    ChosenBy,
    Gender,
    Member,
    MemberStatus,
    MemberType,
    NeedStatus,
    ProjectStatus,
    ResidentUnit,
    ResourceKind,
    SeatPost,
    User,
    utcnow,
)

SCHOOL = "嘉峪关市第一中学"
HOSPITAL = "嘉峪关市第一人民医院"
PROPERTY = "酒钢集团宏兴物业服务有限公司"
POWER = "嘉峪关市供电公司"
TRADE = "嘉峪关雄关商贸有限公司"
VOLUNTEERS = "嘉峪关市义工联合会"
HR = "嘉峪关市人力资源和社会保障局"
LIBRARY = "嘉峪关市图书馆"
MARKET = "雄关农贸市场管理有限公司"

#: The committee elected on this day serves three years (三年一届).
ELECTED_ON = date(2024, 3, 20)
TERM_YEARS = 3

#: Units whose party leader holds a concurrent seat: (unit, post, chosen by, expiring with the agreement).
CONCURRENT = (
    (SCHOOL, SeatPost.CONCURRENT_DEPUTY, ChosenBy.ELECTED, False),
    (POWER, SeatPost.CONCURRENT_MEMBER, ChosenBy.ELECTED, False),
    (PROPERTY, SeatPost.CONCURRENT_MEMBER, ChosenBy.ELECTED, False),
    (HOSPITAL, SeatPost.CONCURRENT_MEMBER, ChosenBy.COOPTED, True),
)
MEMBER_DUTIES = ("组织委员", "宣传委员", "纪检委员")

AGREEMENT_TEXT = (
    "双方本着“条块结合、资源共享、优势互补、共驻共建”的原则，{unit}党组织负责人担任或推荐人员参与社区大党委工作，"
    "每年至少参加“五联”活动四次；单位资源清单中的场地、志愿者、资金和专业服务按项目向社区开放；"
    "社区为单位职工提供便民服务，并将在职党员到社区报到、服务情况反馈单位党组织。"
)

#: (unit, kind, description, quantity, state) — "pending" is proposed by the liaison, "withdrawn" stopped.
RESOURCES = (
    (SCHOOL, ResourceKind.VOLUNTEERS, "教师志愿者辅导“四点半课堂”", "教师志愿者12人", "confirmed"),
    (SCHOOL, ResourceKind.VENUE, "学校操场和体育馆节假日向居民开放", "操场1块、体育馆1座", "confirmed"),
    (SCHOOL, ResourceKind.SERVICE, "心理健康教师开设家庭教育讲座", "每学期2次", "pending"),
    (HOSPITAL, ResourceKind.SERVICE, "义诊和健康知识讲座", "每季度1次，医护人员8人", "confirmed"),
    (HOSPITAL, ResourceKind.VOLUNTEERS, "医护志愿者入户随访慢性病老人", "医护志愿者6人", "confirmed"),
    (PROPERTY, ResourceKind.SERVICE, "老旧楼院水电维修", "维修工4人", "confirmed"),
    (PROPERTY, ResourceKind.FUNDS, "楼院环境整治资金", "每年3万元", "confirmed"),
    (POWER, ResourceKind.SERVICE, "用电安全检查和线路改造", "电工5人", "confirmed"),
    (POWER, ResourceKind.VOLUNTEERS, "“红马甲”共产党员服务队", "队员15人", "confirmed"),
    (TRADE, ResourceKind.FUNDS, "困难家庭慰问和助学资金", "每年2万元", "confirmed"),
    (VOLUNTEERS, ResourceKind.VOLUNTEERS, "义工助老服务", "义工30人", "withdrawn"),
    (HR, ResourceKind.SERVICE, "就业政策咨询和岗位推介", "每月1次", "confirmed"),
    (LIBRARY, ResourceKind.VENUE, "多功能厅和阅览室", "多功能厅1间，可坐80人", "confirmed"),
    (LIBRARY, ResourceKind.SERVICE, "社区流动图书服务点", "图书500册，每季度更换", "confirmed"),
    (MARKET, ResourceKind.VENUE, "市场广场供社区宣传活动使用", "广场约600平方米", "confirmed"),
)

#: (title, description); the status follows from the projects that meet them.
NEEDS = (
    ("双职工家庭孩子放学后无人照看", "第一、第二网格双职工家庭多，小学生下午四点半放学后无人看管、辅导作业。"),
    ("老旧楼院电力线路老化", "1至8号楼建于上世纪八十年代，楼道线路老化，冬季用电高峰常跳闸，存在火灾隐患。"),
    ("独居老人看病不便", "辖区80岁以上独居老人40余人，慢性病多，行动不便，去医院复诊困难。"),
    ("居民文体活动缺少场地", "社区活动室面积小，广场舞、太极拳队冬季无处活动。"),
    ("下岗职工和未就业毕业生就业难", "接管党员和居民中有一批下岗职工、未就业高校毕业生，需要就业信息和技能培训。"),
)

#: (title, unit, resource description, need title, status, started days ago, finished days ago).
PROJECTS = (
    ("“四点半课堂”课后辅导", SCHOOL, "教师志愿者辅导“四点半课堂”", NEEDS[0][0], ProjectStatus.ONGOING, 420, None),
    ("老旧楼院电力线路改造", POWER, "用电安全检查和线路改造", NEEDS[1][0], ProjectStatus.DONE, 230, 140),
    ("独居老人家庭医生随访", HOSPITAL, "医护志愿者入户随访慢性病老人", NEEDS[2][0], ProjectStatus.ONGOING, 210, None),
    ("图书馆多功能厅向居民文体队开放", LIBRARY, "多功能厅和阅览室", NEEDS[3][0], ProjectStatus.PREPARING, None, None),
)


@dataclass(frozen=True)
class Act:
    """One demo activity: who held it, what, when (days before today), and where its story ends."""

    unit: str
    kind: ActivityKind
    title: str
    place: str
    days_ago: int
    start: str
    span: float
    #: draft, submitted, returned, resubmitted, confirmed, or confirmed after being returned once.
    state: str
    summary: str
    extra: tuple = ()
    project: str | None = None
    photo: bool = False
    reason: str = ""
    #: Keep it in the current year (the summary page of this year always has the school in it).
    this_year: bool = False


K = ActivityKind
ACTIVITIES = (
    Act(SCHOOL, K.WELFARE, "“四点半课堂”春季学期课后辅导", "社区党群服务中心二楼活动室", 240, "16:30", 1.5, "confirmed",
        "教师志愿者为双职工家庭的小学生辅导作业，开展阅读和手工活动。", project=PROJECTS[0][0]),
    Act(SCHOOL, K.WELFARE, "“四点半课堂”秋季学期开课", "社区党群服务中心二楼活动室", 62, "16:30", 1.5, "confirmed",
        "秋季学期开课，新报名学生23名，教师志愿者按年级分组辅导。", project=PROJECTS[0][0], photo=True,
        this_year=True),
    Act(SCHOOL, K.CIVILITY, "师生志愿者清扫楼院、清理小广告", "昌盛社区3号楼至6号楼楼院", 150, "09:00", 2.5, "confirmed",
        "师生志愿者清扫楼院卫生死角，清理楼道小广告，向居民发放文明公约。"),
    Act(SCHOOL, K.PARTY_WORK, "联合主题党日：重温入党誓词", "嘉峪关市第一中学报告厅", 110, "15:00", 2.0, "confirmed",
        "学校党委、社区党委和图书馆党支部联合开展主题党日，重温入党誓词，交流在职党员到社区报到情况。",
        extra=(LIBRARY,)),
    Act(SCHOOL, K.SECURITY, "寒假前校园周边安全巡逻", "第一中学周边及昌盛社区第二网格", 320, "17:30", 2.0, "returned_confirmed",
        "教师党员与社区“2警7联防”巡逻队一起在放学时段巡逻，劝离校园周边流动摊贩。",
        reason="请补充巡逻路线和参加巡逻的人员名单。"),
    Act(SCHOOL, K.NEEDY, "慰问辖区困难学生家庭", "昌盛社区困难学生家中", 18, "14:30", 3.0, "returned",
        "走访慰问困难学生家庭5户，送去学习用品。",
        reason="请补充慰问对象名单和慰问物品清单，并上传现场照片后重新提交。"),
    Act(SCHOOL, K.PARTY_WORK, "家庭教育讲座：如何陪伴孩子度过青春期", "社区党群服务中心多功能厅", 9, "19:00", 1.5, "submitted",
        "学校心理健康教师为辖区家长讲授青春期家庭教育，现场答疑。"),
    Act(SCHOOL, K.NEEDY, "教师志愿者入户辅导困难家庭学生", "昌盛社区5号楼", 3, "15:00", 2.0, "draft",
        "为5号楼两户困难家庭的初中生辅导数学、英语。"),
    Act(HOSPITAL, K.WELFARE, "“健康进社区”义诊", "雄关农贸市场广场", 200, "09:00", 3.0, "confirmed",
        "测血压、血糖，发放健康手册，为慢性病老人建立随访名单。", extra=(MARKET,), project=PROJECTS[2][0],
        photo=True),
    Act(HOSPITAL, K.NEEDY, "医护志愿者入户随访独居老人", "昌盛社区独居老人家中", 95, "14:30", 2.5, "confirmed",
        "入户随访独居老人12户，调整用药建议，登记复诊需求。", project=PROJECTS[2][0]),
    Act(HOSPITAL, K.PARTY_WORK, "医院党委与社区党委联合学习会", "嘉峪关市第一人民医院会议室", 280, "15:00", 2.0, "confirmed",
        "共同学习党的二十届三中全会精神，商定全年共建项目。"),
    Act(HOSPITAL, K.WELFARE, "冬季流感防治健康讲座", "社区党群服务中心多功能厅", 12, "09:30", 1.5, "submitted",
        "讲解流感防治和老年人冬季保健知识。"),
    Act(PROPERTY, K.CIVILITY, "老旧楼院环境集中整治", "昌盛社区7号楼至12号楼楼院", 175, "08:30", 3.0, "confirmed",
        "清运楼院杂物12车，修补破损路面，粉刷楼道。"),
    Act(PROPERTY, K.SECURITY, "楼院消防通道清理和消防设施检查", "昌盛社区各楼栋", 70, "09:00", 3.0, "confirmed",
        "清理占用消防通道的杂物，检查楼道灭火器和消火栓，更换过期灭火器18具。"),
    Act(PROPERTY, K.CIVILITY, "“美丽楼院”评比", "昌盛社区", 25, "09:00", 2.0, "resubmitted",
        "组织居民代表评出“美丽楼院”3个，8号楼2单元、10号楼1单元、11号楼3单元获评。",
        reason="请写明获评“美丽楼院”的楼栋，并上传评比现场照片。"),
    Act(POWER, K.WELFARE, "老旧楼院电力线路改造（第一批）", "昌盛社区1号楼至4号楼", 215, "09:00", 4.0, "confirmed",
        "更换1至4号楼楼道老化线路和电表箱。", project=PROJECTS[1][0]),
    Act(POWER, K.WELFARE, "老旧楼院电力线路改造（第二批）", "昌盛社区5号楼至8号楼", 150, "09:00", 4.0, "confirmed",
        "更换5至8号楼楼道线路，改造工程全部完成。", project=PROJECTS[1][0]),
    Act(POWER, K.SECURITY, "入户用电安全检查", "昌盛社区第三、第四网格", 45, "14:30", 3.0, "confirmed",
        "入户检查用电安全86户，排除隐患9处。"),
    Act(POWER, K.PARTY_WORK, "共产党员服务队授旗暨联学活动", "嘉峪关市供电公司党员活动室", 300, "15:00", 2.0, "confirmed",
        "为“红马甲”共产党员服务队授旗，服务队与社区党员结对。"),
    Act(TRADE, K.NEEDY, "春节前慰问困难党员和困难群众", "昌盛社区困难家庭", 305, "09:30", 3.0, "confirmed",
        "慰问困难党员6名、困难群众14户，送去米面油和慰问金。"),
    Act(TRADE, K.NEEDY, "“金秋助学”资助困难家庭大学新生", "社区党群服务中心", 95, "10:00", 1.5, "confirmed",
        "资助辖区困难家庭大学新生4名，每人2000元。"),
    Act(VOLUNTEERS, K.WELFARE, "义工助老：为高龄老人理发、打扫卫生", "昌盛社区高龄老人家中", 130, "09:00", 3.0, "confirmed",
        "义工为高龄老人上门理发、打扫卫生、陪伴聊天。"),
    Act(VOLUNTEERS, K.CIVILITY, "文明劝导：规范非机动车停放", "昌盛社区主干道", 260, "08:00", 2.0, "confirmed",
        "在早高峰劝导居民规范停放电动车、自行车。"),
    Act(HR, K.PARTY_WORK, "就业政策宣讲和岗位推介会", "社区党群服务中心多功能厅", 160, "09:30", 2.5, "confirmed",
        "宣讲就业创业扶持政策，推介岗位120个，现场达成意向18人。"),
    Act(HR, K.NEEDY, "帮扶下岗职工、未就业毕业生再就业", "社区党群服务中心", 30, "14:30", 2.0, "confirmed",
        "为接管党员和困难居民“一对一”推荐岗位，登记技能培训意向。"),
    Act(LIBRARY, K.CIVILITY, "“书香昌盛”全民阅读活动", "嘉峪关市图书馆多功能厅", 85, "14:30", 2.0, "confirmed",
        "亲子共读、好书分享，第一中学学生志愿者担任阅读引导员。", extra=(SCHOOL,)),
    Act(LIBRARY, K.PARTY_WORK, "党史学习教育读书会", "嘉峪关市图书馆阅览室", 40, "15:00", 2.0, "returned",
        "共读党史读本，交流学习体会。",
        reason="活动内容过于简单，请补充读书会的书目、发言情况，并上传签到表。"),
    Act(MARKET, K.SECURITY, "农贸市场及周边治安联防巡逻", "雄关农贸市场及周边", 55, "19:00", 2.0, "confirmed",
        "市场党支部党员商户与联防队员夜间巡逻，检查摊位用电和消防。"),
    Act(MARKET, K.CIVILITY, "市场商户“门前三包”文明经营", "雄关农贸市场", 190, "08:30", 2.0, "confirmed",
        "党员商户带头落实“门前三包”，评选文明摊位10个。"),
    Act(MARKET, K.SECURITY, "节日期间市场安全检查", "雄关农贸市场", 6, "09:00", 2.0, "draft",
        "检查市场消防通道、燃气使用和电线私拉乱接。"),
)
#: Other participants (群众、职工) by kind: (fewest, most).
OTHERS = {K.PARTY_WORK: (0, 12), K.SECURITY: (2, 9), K.WELFARE: (10, 60), K.NEEDY: (0, 8), K.CIVILITY: (5, 40)}
#: Members of the community taking part, by kind: (fewest, most).
MEMBERS = {K.PARTY_WORK: (6, 14), K.SECURITY: (3, 8), K.WELFARE: (4, 10), K.NEEDY: (2, 5), K.CIVILITY: (4, 10)}

PARTY_POST = (("党总支", "党总支书记"), ("党委", "党委书记"), ("党支部", "党支部书记"))


def _leader_post(party_org: str) -> str:
    for suffix, post in PARTY_POST:
        if party_org.endswith(suffix):
            return post
    return "党组织书记"


@contextmanager
def _dated(when: datetime):
    """Give the audit rows written inside the block the time `when` (the demo's history)."""
    first = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    yield
    db.session.flush()
    db.session.execute(
        update(AuditEntry).where(AuditEntry.id > first).values(at=when).execution_options(synchronize_session=False)
    )


def demo_photo(rng: random.Random, width: int = 640, height: int = 480) -> bytes:
    """A small PNG that stands in for a photo taken at the activity."""
    img = Image.new("RGB", (width, height), (186, 214, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(168, 160, 150))
    # A red banner and a row of people in front of a building.
    draw.rectangle((40, 40, width - 40, height // 3), fill=(226, 223, 216))
    draw.rectangle((width // 5, 70, width * 4 // 5, 110), fill=(200, 22, 29))
    for i in range(9):
        x = 50 + i * (width - 100) // 9 + rng.randint(-6, 6)
        shirt = rng.choice(((200, 22, 29), (40, 80, 160), (230, 190, 40), (60, 60, 60)))
        draw.ellipse((x + 8, height // 2 - 30, x + 36, height // 2), fill=(236, 200, 170))
        draw.rectangle((x, height // 2, x + 44, height // 2 + 90), fill=shirt)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class CobuildingSeeder:
    def __init__(self, rng: random.Random, today: date, community_id: int, person_name: Callable[[Gender], str]):
        self.rng = rng
        self.today = today
        self.cid = community_id
        self.person_name = person_name
        self.now = utcnow()
        users = {u.username: u for u in db.session.scalars(select(User).where(User.community_id == community_id))}
        self.secretary = users["changsheng_secretary"]
        self.staff = users["changsheng_staff"]
        self.liaison = users["changsheng_liaison"]
        self.units = {u.name: u for u in db.session.scalars(
            select(ResidentUnit).where(ResidentUnit.community_id == community_id)
        )}
        self.members = list(db.session.scalars(
            select(Member).where(Member.community_id == community_id, Member.status == MemberStatus.ACTIVE)
            .order_by(Member.id)
        ))
        #: Each unit's party leader (also its signatory and, for four units, a concurrent committee member).
        self.leaders = {
            name: (self.person_name(Gender.MALE if rng.random() < 0.6 else Gender.FEMALE), _leader_post(u.party_org_name))
            for name, u in sorted(self.units.items())
        }
        self.resources: dict[str, object] = {}
        self.projects: dict[str, object] = {}
        #: Upload keys written so far, to remove if the demo is rolled back.
        self.stored: list[str] = []

    def at(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        return min(datetime.combine(day, time(hour, minute)), self.now)

    def seed(self) -> None:
        try:
            self.committee()
            self.agreements()
            self.lists()
            self.activities()
        except Exception:
            for key in self.stored:
                uploads.discard(key)
            raise

    # -- 大党委 ------------------------------------------------------------------------------------

    def committee(self) -> None:
        candidates = [
            m for m in self.members
            if m.category == Category.DIRECT and m.member_type == MemberType.FULL and m.relation_here
            and 1962 <= m.birth_date.year <= 1990
        ]
        previous, secretary, deputy, *others = self.rng.sample(candidates, 3 + len(MEMBER_DUTIES))
        end = ELECTED_ON.replace(year=ELECTED_ON.year + TERM_YEARS) - timedelta(days=1)
        before = ELECTED_ON.replace(year=ELECTED_ON.year - TERM_YEARS)

        def seat(post: SeatPost, duty: str, start: date, end: date, chosen: ChosenBy, member=None, unit=None):
            data = {"post": post.value, "duty": duty, "note": "", "chosen_by": chosen.value,
                    "start_on": start, "end_on": end, "member_id": member.id if member else None,
                    "holder_name": "", "holder_org": "", "holder_post": "", "resident_unit_id": None}
            if unit is not None:
                name, leader_post = self.leaders[unit.name]
                data |= {"holder_name": name, "holder_org": unit.party_org_name, "holder_post": leader_post,
                         "resident_unit_id": unit.id}
            with _dated(self.at(start, 9)):
                return committee.create_seat(self.secretary, self.cid, data, self.today)

        chair = seat(SeatPost.SECRETARY, "主持全面工作", before, ELECTED_ON - timedelta(days=1), ChosenBy.ELECTED,
                     member=previous)
        with _dated(self.at(ELECTED_ON, 9)):
            committee.add_term(self.secretary, chair, {
                "member_id": secretary.id, "chosen_by": ChosenBy.ELECTED.value, "start_on": ELECTED_ON,
                "end_on": end,
            }, self.today)
        seat(SeatPost.DEPUTY, "协助书记，分管党员教育管理", ELECTED_ON, end, ChosenBy.ELECTED, member=deputy)
        for duty, member in zip(MEMBER_DUTIES, others):
            seat(SeatPost.MEMBER, duty, ELECTED_ON, end, ChosenBy.ELECTED, member=member)
        for unit_name, post, chosen, expiring in CONCURRENT:
            unit = self.units[unit_name]
            if expiring:
                # Co-opted when the agreement was signed; both run out together, within 60 days.
                start = unit.agreement_end.replace(year=unit.agreement_end.year - TERM_YEARS) + timedelta(days=1)
                seat(post, "联系驻区医疗卫生单位", start, unit.agreement_end, chosen, unit=unit)
            else:
                seat(post, "联系驻区单位共建", ELECTED_ON, end, chosen, unit=unit)
        # The demo secretary's account is the sitting secretary.
        self.secretary.display_name = secretary.name
        self.secretary_names = (previous.name, secretary.name)
        db.session.flush()

    # -- 共驻共建 ----------------------------------------------------------------------------------

    def agreements(self) -> None:
        for name, unit in sorted(self.units.items(), key=lambda kv: kv[1].agreement_start):
            signed = unit.agreement_start
            community_signatory = self.secretary_names[0 if signed < ELECTED_ON else 1]
            data = {
                "agreement_start": unit.agreement_start, "agreement_end": unit.agreement_end, "signed_on": signed,
                "community_signatory": community_signatory, "unit_signatory": self.leaders[name][0],
                "content": AGREEMENT_TEXT.format(unit=name),
            }
            with _dated(self.at(signed, 11)):
                cobuilding.save_agreement(self.secretary, unit, data, None)

    def lists(self) -> None:
        for unit_name, kind, description, quantity, state in RESOURCES:
            unit = self.units[unit_name]
            data = {"kind": kind.value, "description": description, "quantity": quantity, "note": ""}
            proposer = self.liaison if state == "pending" else self.staff
            offered = self.today - timedelta(days=15) if state == "pending" else unit.agreement_start + timedelta(days=10)
            with _dated(self.at(offered)):
                resource = cobuilding.create_resource(proposer, unit, data, confirmed=state != "pending")
            if state == "withdrawn":
                with _dated(self.at(unit.agreement_end + timedelta(days=1))):
                    cobuilding.update_resource(self.staff, resource, {"state": "withdrawn"}, None)
            self.resources[description] = resource
        needs = {}
        status_of = {p[3]: (NeedStatus.MET if p[4] == ProjectStatus.DONE else NeedStatus.MATCHED) for p in PROJECTS}
        for title, description in NEEDS:
            with _dated(self.at(self.today - timedelta(days=450))):
                needs[title] = cobuilding.create_need(self.staff, self.cid, {
                    "title": title, "description": description,
                    "status": status_of.get(title, NeedStatus.OPEN).value,
                })
        db.session.flush()
        for title, unit_name, resource, need, status, started, finished in PROJECTS:
            start_on = self.today - timedelta(days=started) if started is not None else None
            finish_on = self.today - timedelta(days=finished) if finished is not None else None
            with _dated(self.at(start_on or self.today - timedelta(days=20))):
                self.projects[title] = cobuilding.create_project(self.staff, self.cid, {
                    "resident_unit_id": self.units[unit_name].id, "resource_id": self.resources[resource].id,
                    "need_id": needs[need].id, "title": title, "status": status.value,
                    "started_on": start_on, "finished_on": finish_on, "note": "",
                })
        db.session.flush()

    # -- 五联 ---------------------------------------------------------------------------------------

    def participants(self, act: Act) -> list[int]:
        """A few assisted members working at the unit, then other members of the community."""
        low, high = MEMBERS[act.kind]
        want = self.rng.randint(low, high)
        staff_of_unit = [m for m in self.members if m.category == Category.ASSISTED and m.work_unit == act.unit]
        chosen = self.rng.sample(staff_of_unit, min(len(staff_of_unit), self.rng.randint(1, 3)))
        rest = [m for m in self.members if m not in chosen]
        chosen += self.rng.sample(rest, max(0, want - len(chosen)))
        return [m.id for m in chosen]

    def activities(self) -> None:
        for act in ACTIVITIES:
            self.activity(act)

    def activity(self, act: Act) -> None:
        held_on = self.today - timedelta(days=act.days_ago)
        if act.this_year:
            held_on = max(held_on, date(self.today.year, 1, 1))
        hour, minute = map(int, act.start.split(":"))
        start = datetime.combine(held_on, time(hour, minute))
        end = start + timedelta(hours=act.span)
        hours = act.span if self.rng.random() < 0.7 else act.span - 0.5
        data = {
            "kind": act.kind.value, "title": act.title, "held_on": held_on, "start_time": start.time(),
            "end_time": end.time(), "place": act.place, "other_count": self.rng.randint(*OTHERS[act.kind]),
            "hours": hours, "summary": act.summary,
        }
        unit = self.units[act.unit]
        author = self.liaison if self.liaison.resident_unit_id == unit.id else self.staff
        reviewer = self.secretary if act.kind == K.PARTY_WORK else self.staff
        created = min(end + timedelta(hours=1), self.now)
        with _dated(created):
            a = activities.create_activity(
                author, self.cid, data, unit.id, [self.units[u].id for u in act.extra], self.participants(act),
                [self.projects[act.project].id] if act.project else [],
            )
            if act.photo:
                self.attach_photo(author, a)
        a.created_at = created
        if act.state == "draft":
            return
        self.submit(author, a, self.at(held_on + timedelta(days=1), 9, 20))
        if act.state in ("returned", "resubmitted", "returned_confirmed"):
            returned = self.at(held_on + timedelta(days=2), 15, 10)
            with _dated(returned):
                activities.return_activity(reviewer, a, act.reason)
            a.reviewed_at = returned
            if act.state == "returned":
                return
            self.submit(author, a, self.at(held_on + timedelta(days=4), 10, 5))
            if act.state == "resubmitted":
                return
        elif act.state == "submitted":
            return
        confirmed = self.at(a.submitted_at.date() + timedelta(days=1), 16, 30)
        with _dated(confirmed):
            steps = activities.confirm(reviewer, a, self.today)
        a.reviewed_at = confirmed
        for step in steps:
            step.done_at = confirmed
        db.session.flush()

    def submit(self, author: User, activity, when: datetime) -> None:
        """Submit (or submit again) the activity for review at `when`."""
        with _dated(when):
            activities.submit(author, activity, self.today)
        activity.submitted_at = when

    def attach_photo(self, author: User, activity) -> None:
        name = f"{activity.held_on:%Y%m%d}活动现场.png"
        stored = uploads.store_upload(FileStorage(io.BytesIO(demo_photo(self.rng)), filename=name,
                                                  content_type="image/png"))
        self.stored.append(stored.key)
        activities.add_attachment(author, activity, stored)


def seed_cobuilding(rng: random.Random, today: date, community_id: int, person_name: Callable[[Gender], str]) -> None:
    """The committee, co-building lists and a year of joint activities of one community."""
    CobuildingSeeder(rng, today, community_id, person_name).seed()
