"""Demo supervision plans for 昌盛: every member's plan open, members spread over every stage.

The steps are written in bulk, with the due dates `domain.workflow` would have given them had the
plan been opened on the registration day and each earlier step been done on the day shown here:
one-off steps due from registration, from the letter or from when the previous step was done;
recurring steps due at the end of their period. About 15 steps come out overdue and 10 due within
7 days whatever the date, so the to-do page looks like a real one.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert

from .domain import workflow as wf
from .extensions import db
from .models import (
    AssistedInfo,
    Category,
    DualInfo,
    Member,
    ResidentUnit,
    Role,
    StepState,
    SupervisionStep,
    TakeoverInfo,
    TakeoverReason,
    User,
    utcnow,
)

#: Members whose next step is each one-off step of the plan, in plan order; the rest have done them all.
STAGES = {
    Category.TAKEOVER: (3, 5, 5, 3, 5),
    Category.ASSISTED: (3, 8),
    Category.DUAL: (3,),
    Category.DIRECT: (3,),
}
#: Assisted members whose evaluation of this year is done and whose feedback letter is pending.
EVALUATED = 8
#: Days ago each evaluated member was evaluated, in turn: the feedback (due 15 days after) falls
#: in every part of the to-do window.
FEEDBACK_BACK = (2, 5, 10, 3, 25, 6, 12, 4)
#: Members of the last stage who left last period's recurring step undone (overdue now).
MISSED_LAST_PERIOD = 2

NOTES = {
    "registration": "已登记，材料齐全。",
    "documents": "介绍信与档案核对一致。",
    "transfer_in": "组织关系已转入，回执已寄回开具单位。",
    "assign": "已编入所在楼栋党支部及单元党小组。",
    "first_talk": "支部书记入户谈话，了解就业意向，谈话记录已存档。",
    "contact": "电话联系，本人仍在求职，已推荐社区公益岗位。",
    "report_in": "报到单已签字，回执送回原单位党组织。",
    "claim_post": "认领服务岗位。",
    "service_record": "参加社区志愿服务。",
    "evaluation": "年度评价完成。",
    "feedback": "评价结果已函告原单位党组织。",
    "notice": "与原单位互通情况，本人身体状况良好。",
    "joint_review": "会同原单位党组织完成年度联合评议。",
    "org_life": "本季度按时参加组织生活，党费已交纳。",
    "appraisal": "参加民主评议。",
}
SERVICE_POSTS = ("义务理发", "“四点半课堂”辅导", "治安巡逻", "家电维修", "政策宣讲", "环境整治", "助老送餐")
SKILLS = ("电工", "计算机维护", "医疗保健", "法律咨询", "书法", "财会", "驾驶", "教学辅导")
REASONS = {"下岗职工": TakeoverReason.LAID_OFF, "解除劳动合同": TakeoverReason.CONTRACT_ENDED,
           "复转军人": TakeoverReason.VETERAN, "未就业高校毕业生": TakeoverReason.GRADUATE}


@dataclass
class _Plan:
    member: Member
    stage: int
    #: "overdue", "soon" or "fine": where the next one-off step's due date falls.
    clock: str = "fine"
    registered: date | None = None
    done_on: list = field(default_factory=list)
    letter_days: int = 30
    letter_back: int = 0


class PlanSeeder:
    def __init__(self, rng: random.Random, today: date, community_id: int):
        self.rng = rng
        self.today = today
        self.cid = community_id
        self.steps: list[dict] = []
        self.now = utcnow()
        #: How many members have left last period's step undone so far.
        self.missed = 0
        self.evaluated = 0
        users = list(db.session.scalars(db.select(User).where(User.community_id == community_id)))
        self.by_role = {u.role: u for u in users}
        self.branch_users = {u.branch_id: u for u in users if u.role == Role.BRANCH_SECRETARY}

    # -- the plan of each member --------------------------------------------------------------

    def seed(self, members: list[Member]) -> int:
        plans = self.stages(members)
        for plan in plans:
            self.timeline(plan)
            self.one_off_steps(plan)
            self.recurring_steps(plan)
        db.session.execute(insert(SupervisionStep), self.steps)
        self.category_data(plans)
        db.session.flush()
        return len(self.steps)

    def stages(self, members: list[Member]) -> list[_Plan]:
        """Give each member a stage; the early stages go to members who joined long enough ago."""
        plans = []
        for category, counts in STAGES.items():
            mine = [m for m in members if m.category == category]
            seasoned = [m for m in mine if m.joined_on <= self.today - timedelta(days=200)]
            early = self.rng.sample(seasoned, min(sum(counts), len(seasoned)))
            stage_of = {}
            i = 0
            for stage, n in enumerate(counts):
                for m in early[i:i + n]:
                    stage_of[m.id] = stage
                i += n
            last = len(counts)
            rest = [m for m in mine if m.id not in stage_of]
            evaluated = {m.id for m in rest[:EVALUATED]} if category == Category.ASSISTED else set()
            for m in mine:
                plan = _Plan(m, stage_of.get(m.id, last))
                if category == Category.TAKEOVER:
                    plan.letter_days = self.rng.choice((10, 30, 30))
                    plan.letter_back = self.rng.randint(0, 3)
                if m.id in evaluated:
                    plan.clock = "evaluated"
                plans.append(plan)
        # A step due within 7 days of its start is overdue or due soon; of the longer ones a few are.
        short = long = 0
        for plan in plans:
            if plan.clock == "evaluated" or plan.stage == len(STAGES[plan.member.category]):
                continue
            defn = self.one_offs(plan.member.category)[plan.stage]
            if self.days(plan, defn) <= wf.TODO_DAYS:
                plan.clock = "soon" if short % 5 in (1, 3) else "overdue"
                short += 1
            else:
                plan.clock = {4: "overdue", 7: "soon"}.get(long % 9, "fine")
                long += 1
        return plans

    @staticmethod
    def one_offs(category: Category) -> list[wf.StepDef]:
        return [d for d in wf.plan(category) if not d.recurring and not d.follows]

    def days(self, plan: _Plan, defn: wf.StepDef) -> int:
        return plan.letter_days - plan.letter_back if defn.limit.after == wf.LETTER else defn.limit.days

    def timeline(self, plan: _Plan) -> None:
        """Registration day and the days the done one-off steps were done."""
        rng, today = self.rng, self.today
        one_offs = self.one_offs(plan.member.category)
        lag = [rng.randint(0, min(5, self.days(plan, d))) for d in one_offs]
        if plan.stage >= len(one_offs):
            registered = max(plan.member.joined_on, today - timedelta(days=rng.randint(150, 1500)))
            plan.registered = registered
            plan.done_on = self.forward(registered, lag[: len(one_offs)])
            return
        pending = one_offs[plan.stage]
        limit = self.days(plan, pending)
        offset = {"overdue": -rng.randint(1, 20), "soon": rng.randint(0, min(7, limit)),
                  "fine": rng.randint(min(8, limit), limit)}[plan.clock]
        anchor = today + timedelta(days=offset - limit)
        if pending.limit.after == wf.PREVIOUS and plan.stage > 0:
            done = [anchor]
            for i in range(plan.stage - 1, 0, -1):
                done.insert(0, done[0] - timedelta(days=lag[i]))
            plan.registered = done[0] - timedelta(days=lag[0])
            plan.done_on = done
        else:
            plan.registered = anchor
            plan.done_on = self.forward(anchor, lag[: plan.stage])

    def forward(self, start: date, lags: list[int]) -> list[date]:
        out, day = [], start
        for n in lags:
            day = min(day + timedelta(days=n), self.today)
            out.append(day)
        return out

    # -- writing the steps --------------------------------------------------------------------

    def new(self, plan: _Plan, seq: int, defn: wf.StepDef, due: date, period: str | None = None,
            done: date | None = None) -> dict:
        """One step row (a dict for the batched INSERT)."""
        member = plan.member
        step = {
            "member_id": member.id, "community_id": member.community_id, "category": member.category,
            "plan_no": 1, "step_code": defn.code, "seq": seq, "period_key": period, "post": defn.post,
            "responsible_role": defn.responsible_role, "responsible_user_id": None, "task": defn.task,
            "standard": defn.standard, "time_limit_text": wf.limit_text(defn, member.category),
            "limit_days": defn.limit.days if isinstance(defn.limit, wf.Relative) else None,
            "due_on": due, "state": StepState.PENDING, "version": 1, "created_at": self.now,
            "done_at": None, "done_by_id": None, "note": "", "evidence": "", "outcome": "", "hours": None,
            "waive_reason": "", "closed_reason": "",
        }
        if done is not None:
            self.mark_done(step, defn, done, member)
        self.steps.append(step)
        return step

    def mark_done(self, step: dict, defn: wf.StepDef, day: date, member: Member) -> None:
        rng = self.rng
        step["state"] = StepState.DONE
        step["done_at"] = datetime.combine(day, time(rng.randint(1, 9), rng.choice((0, 15, 30, 45))))
        if defn.responsible_role == Role.BRANCH_SECRETARY and member.branch_id in self.branch_users:
            step["done_by_id"] = self.branch_users[member.branch_id].id
        else:
            role = Role.SECRETARY if defn.responsible_role == Role.SECRETARY else Role.STAFF
            step["done_by_id"] = self.by_role[role].id
        note = NOTES[defn.code]
        if defn.code == "claim_post":
            note += "、".join(rng.sample(SERVICE_POSTS, 2)) + "。"
        if defn.needs_outcome:
            step["outcome"] = rng.choice(("优秀", "合格", "合格", "合格"))
            note = f"{step['outcome']}。{note}"
        if defn.needs_hours:
            step["hours"] = float(rng.randint(4, 32)) / 2
            note = f"{rng.choice(SERVICE_POSTS)}，{step['hours']:g}小时。"
        step["note"] = note

    def one_off_steps(self, plan: _Plan) -> None:
        """Due dates as open_plan gives them, then restarted by each done step (workflow._restart_next)."""
        category = plan.member.category
        defs = wf.plan(category)
        dues, previous = {}, plan.registered
        for defn in self.one_offs(category):
            if defn.limit.after == wf.PREVIOUS:
                due = previous + timedelta(days=defn.limit.days)
            else:
                due = plan.registered + timedelta(days=self.days(plan, defn))
            dues[defn.code] = previous = due
        one_offs = self.one_offs(category)
        for i, day in enumerate(plan.done_on):
            if i + 1 < len(one_offs) and one_offs[i + 1].limit.after == wf.PREVIOUS:
                dues[one_offs[i + 1].code] = day + timedelta(days=one_offs[i + 1].limit.days)
        for seq, defn in enumerate(defs, start=1):
            if defn.code in dues:
                i = [d.code for d in one_offs].index(defn.code)
                done = plan.done_on[i] if i < len(plan.done_on) else None
                self.new(plan, seq, defn, dues[defn.code], done=done)

    def recurring_steps(self, plan: _Plan) -> None:
        """Last period's instance (mostly done), this period's, and the next one when this one is done."""
        rng, today = self.rng, self.today
        category = plan.member.category
        defs = wf.plan(category)
        last_stage = plan.stage == len(STAGES[category])
        missed = last_stage and category == Category.DIRECT and self.missed < MISSED_LAST_PERIOD
        for seq, defn in enumerate(defs, start=1):
            if not defn.recurring:
                continue
            key = wf.period_key(defn.limit.period, today)
            start, end = wf.period_bounds(key)
            before = wf.period_key(defn.limit.period, start - timedelta(days=1))
            before_start, before_end = wf.period_bounds(before)
            if plan.registered <= before_end:
                left_undone = missed and defn.code == "org_life"
                if left_undone:
                    self.missed += 1
                day = self.day_between(max(plan.registered, before_start), before_end)
                self.new(plan, seq, defn, before_end, before, done=None if left_undone else day)
                if defn.code == "evaluation" and not left_undone:
                    self.feedback(plan, defs, before, day, done=True)
            evaluated = plan.clock == "evaluated"
            near_end = (end - today).days <= wf.TODO_DAYS
            finish = near_end or rng.random() < 0.25 or (evaluated and defn.code in ("evaluation", "service_record"))
            if not finish:
                self.new(plan, seq, defn, end, key)
                continue
            first = max(plan.registered, start)
            if defn.code == "evaluation" and not evaluated:
                day = self.day_between(first, today - timedelta(days=16))  # feedback sent already
            elif defn.code == "evaluation":
                # The feedback is due 15 days after the evaluation: put it in every part of the window.
                back = FEEDBACK_BACK[self.evaluated % len(FEEDBACK_BACK)]
                self.evaluated += 1
                day = max(first, today - timedelta(days=back))
            elif evaluated and defn.code == "service_record":
                day = self.day_between(first, today - timedelta(days=21))  # before the evaluation
            else:
                day = self.day_between(first, today)
            self.new(plan, seq, defn, end, key, done=day)
            following = wf.next_period_key(key)
            self.new(plan, seq, defn, wf.period_bounds(following)[1], following)
            if defn.code == "evaluation":
                self.feedback(plan, defs, key, day, done=not evaluated)

    def feedback(self, plan: _Plan, defs, key: str, evaluated_on: date, done: bool) -> None:
        seq, defn = next((i, d) for i, d in enumerate(defs, start=1) if d.follows == "evaluation")
        due = evaluated_on + timedelta(days=defn.limit.days)
        day = self.day_between(evaluated_on, min(due, self.today)) if done else None
        self.new(plan, seq, defn, due, key, done=day)

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    # -- category data ------------------------------------------------------------------------

    def category_data(self, plans: list[_Plan]) -> None:
        """双管, 接管 and 协管 information matching each member's record and plan."""
        units = {u.name: u for u in db.session.scalars(db.select(ResidentUnit).where(ResidentUnit.community_id == self.cid))}
        rows = []
        for plan in plans:
            m = plan.member
            if m.category == Category.DUAL:
                rows.append(DualInfo(
                    member_id=m.id, former_employer=m.work_unit, former_party_org=f"{m.work_unit}离退休党总支",
                    contact_person=f"{self.rng.choice('王李张刘陈杨赵黄')}主任", version=1,
                    contact_phone=f"0937-62{self.rng.randrange(10**5):05d}",
                ))
            elif m.category == Category.TAKEOVER:
                issued = plan.registered - timedelta(days=plan.letter_back)
                rows.append(TakeoverInfo(
                    member_id=m.id, reason=REASONS.get(m.post, TakeoverReason.LAID_OFF),
                    origin_org="酒钢集团党委" if m.post in ("下岗职工", "解除劳动合同") else
                    "原部队政治处" if m.post == "复转军人" else "兰州某高校学生党总支",
                    letter_number=f"甘组介{issued.year}-{self.rng.randint(1, 400):03d}",
                    letter_issuer="中共嘉峪关市委组织部" if plan.letter_days == 10 else "中共甘肃省委组织部",
                    letter_issued_on=max(issued, m.joined_on), letter_valid_days=plan.letter_days, version=1,
                ))
            elif m.category == Category.ASSISTED:
                unit = units.get(m.work_unit)
                posts = self.rng.sample(SERVICE_POSTS, 2) if plan.stage >= 2 else []
                rows.append(AssistedInfo(
                    member_id=m.id, employer=m.work_unit,
                    employer_party_org=unit.party_org_name if unit else f"{m.work_unit}党委",
                    reported_on=max(plan.registered, m.joined_on), skills="、".join(self.rng.sample(SKILLS, 2)),
                    service_preference=self.rng.choice(("周末", "工作日晚上", "节假日")) + "参加社区服务",
                    claimed_posts="\n".join(posts), version=1,
                ))
        db.session.add_all(rows)


def seed_plans(rng: random.Random, today: date, community_id: int) -> int:
    """Open every member's plan in the community, spread over the stages; return the number of steps."""
    members = list(db.session.scalars(
        db.select(Member).where(Member.community_id == community_id).order_by(Member.id)
    ))
    return PlanSeeder(rng, today, community_id).seed(members)
