"""The category-based supervision workflow (分类管理, 五定): plans as data, steps moved by `apply`.

Each category has a plan: an ordered tuple of `StepDef`. Opening a plan copies the 五定 of every
step (post, responsible role or person, task, standard, time limit) into `SupervisionStep` rows, so a
later change of the community's `PlanSetting` applies to new steps only. Overdue is derived from
`due_on` and the date passed in as `today`, never stored. Functions flush; the caller commits.
"""
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..extensions import db
from ..models import (
    AssistedInfo,
    Branch,
    Category,
    DualInfo,
    Member,
    MemberStatus,
    PlanSetting,
    Role,
    StepState,
    SupervisionStep,
    TakeoverInfo,
    TakeoverReason,
    User,
    utcnow,
)
from . import audit
from .errors import DomainError, StaleEdit

# --- time limits -----------------------------------------------------------------------

#: Anchors of a relative time limit; any other value names the step whose completion creates this one.
REGISTRATION = "registration"
PREVIOUS = "previous"
LETTER = "letter"

QUARTER = "quarter"
HALF_YEAR = "half_year"
YEAR = "year"

#: An introduction letter is valid 10 days within the city, 30 days outside, never more than 3 months.
LETTER_DAYS_CITY = 10
LETTER_DAYS_OUTSIDE = 30
MAX_LETTER_DAYS = 90

COMPLETE = "complete"
WAIVE = "waive"
ACTIONS = (COMPLETE, WAIVE)

#: 评价结果, best first.
OUTCOMES = ("优秀", "合格", "基本合格", "不合格")
#: Outcomes that need at least one service record in the year (协管 evaluation).
PASSING_OUTCOMES = ("优秀", "合格")

#: Roles a step may be assigned to.
RESPONSIBLE_ROLES = (Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY)


@dataclass(frozen=True)
class Relative:
    """Due `days` after an event: registration, the previous step, the letter, or a named step."""

    days: int
    after: str = REGISTRATION


@dataclass(frozen=True)
class Recurring:
    """Due at the end of every quarter, half year or year."""

    period: str


@dataclass(frozen=True)
class StepDef:
    code: str
    task: str
    post: str
    responsible_role: Role
    standard: str
    limit: Relative | Recurring
    needs_outcome: bool = False
    needs_hours: bool = False
    responsible_user_id: int | None = None

    @property
    def recurring(self) -> bool:
        return isinstance(self.limit, Recurring)

    @property
    def follows(self) -> str | None:
        """The step whose completion creates this one, if any."""
        if isinstance(self.limit, Relative) and self.limit.after not in (REGISTRATION, PREVIOUS, LETTER):
            return self.limit.after
        return None


def _step(code, task, post, role, standard, limit, **kw) -> StepDef:
    return StepDef(code, task, post, role, standard, limit, **kw)


# --- the default plans (issue 3, part 4) -----------------------------------------------

PLANS: dict[Category, tuple[StepDef, ...]] = {
    Category.TAKEOVER: (
        _step("registration", "接管登记", "社区党建工作站", Role.STAFF,
              "登记接管原因（下岗失业、解除劳动合同、复转军人、未就业高校毕业生）和原组织", Relative(0)),
        _step("documents", "审核组织关系介绍信和档案材料", "社区党建工作站", Role.STAFF,
              "介绍信编号、开具单位、有效期与本人档案一致，材料齐全", Relative(10)),
        _step("transfer_in", "组织关系转入", "社区党委组织委员", Role.SECRETARY,
              "在介绍信有效期内办结转入手续，回执寄回开具单位", Relative(LETTER_DAYS_OUTSIDE, LETTER)),
        _step("assign", "编入党支部和党小组", "社区党建工作站", Role.STAFF,
              "编入居住地楼栋党支部及所在单元党小组", Relative(7, PREVIOUS)),
        _step("first_talk", "支部书记首次谈话", "所在党支部", Role.BRANCH_SECRETARY,
              "了解思想、生活和就业情况，谈话记录存档", Relative(30, PREVIOUS)),
        _step("contact", "季度联系", "所在党支部", Role.BRANCH_SECRETARY,
              "每季度至少联系一次，了解就业变化；再就业时办理类别变更或组织关系转出", Recurring(QUARTER)),
    ),
    Category.ASSISTED: (
        _step("report_in", "报到登记并回执原单位", "社区党建工作站", Role.STAFF,
              "登记报到信息，签字的报到单回执送回原单位党组织", Relative(7)),
        _step("claim_post", "认领服务岗位", "社区党建工作站", Role.STAFF,
              "根据特长和服务意向认领至少一个服务岗位", Relative(30)),
        _step("service_record", "服务记录", "所服务的党支部", Role.BRANCH_SECRETARY,
              "每半年至少记录一次服务，注明服务时长", Recurring(HALF_YEAR), needs_hours=True),
        _step("evaluation", "年度评价", "社区党委", Role.SECRETARY,
              "评定为优秀、合格、基本合格或不合格；全年无服务记录的不得评为合格及以上",
              Recurring(YEAR), needs_outcome=True),
        _step("feedback", "向原单位党组织反馈", "社区党委", Role.SECRETARY,
              "将年度评价结果函告原单位党组织", Relative(15, "evaluation")),
    ),
    Category.DUAL: (
        _step("registration", "登记原单位联系人", "社区党建工作站", Role.STAFF,
              "登记原单位及其党组织、联系人和联系电话", Relative(7)),
        _step("notice", "与原单位双向通报", "社区党建工作站", Role.STAFF,
              "每季度与原单位互通一次党员思想、活动和生活情况", Recurring(QUARTER)),
        _step("joint_review", "年度联合评议", "社区党委", Role.SECRETARY,
              "会同原单位党组织共同评议，结果双方存档", Recurring(YEAR)),
    ),
    Category.DIRECT: (
        _step("assign", "编入党支部和党小组", "社区党建工作站", Role.STAFF,
              "编入居住地楼栋党支部及所在单元党小组", Relative(7)),
        _step("org_life", "组织生活情况检查", "所在党支部", Role.BRANCH_SECRETARY,
              "核对本季度参加组织生活和交纳党费情况", Recurring(QUARTER)),
        _step("appraisal", "年度民主评议", "所在党支部", Role.BRANCH_SECRETARY,
              "按程序开展民主评议，评定优秀、合格、基本合格或不合格", Recurring(YEAR), needs_outcome=True),
    ),
}


def plan(category: Category) -> tuple[StepDef, ...]:
    return PLANS[Category(category)]


def default_def(category: Category, code: str) -> StepDef:
    for defn in plan(category):
        if defn.code == code:
            return defn
    raise DomainError(f"{Category(category).label}管理计划中没有此步骤：{code}。")


def limit_text(defn: StepDef, category: Category | None = None) -> str:
    """The time limit as shown to people, e.g. 登记后10日内."""
    limit = defn.limit
    if isinstance(limit, Recurring):
        return {
            QUARTER: "每季度一次，季度末前完成",
            HALF_YEAR: "每半年至少一次（6月30日、12月31日前）",
            YEAR: "每年12月31日前",
        }[limit.period]
    if limit.after == REGISTRATION:
        return "登记当日" if limit.days == 0 else f"登记后{limit.days}日内"
    if limit.after == PREVIOUS:
        before = _previous_one_off(defn, category) if category else None
        return f"{before.task if before else '上一步'}完成后{limit.days}日内"
    if limit.after == LETTER:
        return f"介绍信有效期内（市内{LETTER_DAYS_CITY}日、市外{LETTER_DAYS_OUTSIDE}日，最长3个月）"
    trigger = default_def(category, limit.after).task if category else limit.after
    return f"{trigger}完成后{limit.days}日内"


def _previous_one_off(defn: StepDef, category: Category) -> StepDef | None:
    previous = None
    for other in plan(category):
        if other.code == defn.code:
            return previous
        if not other.recurring and not other.follows:
            previous = other
    return None


# --- periods ---------------------------------------------------------------------------

def period_key(period: str, day: date) -> str:
    """The key of the period containing `day`: 2026Q3, 2026H2 or 2026."""
    if period == QUARTER:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if period == HALF_YEAR:
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    return str(day.year)


def period_bounds(key: str) -> tuple[date, date]:
    """First and last day of the period `key`."""
    year = int(key[:4])
    if len(key) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    n = int(key[5])
    months = 3 if key[4] == "Q" else 6
    first_month = (n - 1) * months + 1
    start = date(year, first_month, 1)
    end_month = first_month + months
    end = date(year + 1, 1, 1) if end_month > 12 else date(year, end_month, 1)
    return start, end - timedelta(days=1)


def next_period_key(key: str) -> str:
    end = period_bounds(key)[1]
    return period_key(_period_of(key), end + timedelta(days=1))


def period_label(key: str | None) -> str:
    if not key:
        return ""
    if len(key) == 4:
        return f"{key}年度"
    n = int(key[5])
    if key[4] == "Q":
        return f"{key[:4]}年第{'一二三四'[n - 1]}季度"
    return f"{key[:4]}年{'上下'[n - 1]}半年"


def _period_of(key: str) -> str:
    if len(key) == 4:
        return YEAR
    return QUARTER if key[4] == "Q" else HALF_YEAR


# --- community settings ----------------------------------------------------------------

def _merge(defn: StepDef, setting: PlanSetting | None) -> StepDef:
    if setting is None:
        return defn
    changes = {}
    if setting.post:
        changes["post"] = setting.post
    if setting.responsible_role:
        changes["responsible_role"] = Role(setting.responsible_role)
    if setting.responsible_user_id:
        changes["responsible_user_id"] = setting.responsible_user_id
    if setting.days is not None and isinstance(defn.limit, Relative):
        changes["limit"] = Relative(setting.days, defn.limit.after)
    return replace(defn, **changes)


def _settings(community_id: int, category: Category) -> dict[str, PlanSetting]:
    rows = db.session.scalars(
        select(PlanSetting).where(PlanSetting.community_id == community_id, PlanSetting.category == category)
    )
    return {row.step_code: row for row in rows}


def community_settings(community_id: int, category: Category) -> dict[str, PlanSetting]:
    """The community's settings for one category's plan, by step code."""
    return _settings(community_id, Category(category))


def effective_def(community_id: int, category: Category, code: str) -> StepDef:
    """The step definition with the community's overrides (post, responsible, days) applied."""
    category = Category(category)
    defn = default_def(category, code)
    setting = db.session.scalar(
        select(PlanSetting).where(
            PlanSetting.community_id == community_id,
            PlanSetting.category == category,
            PlanSetting.step_code == code,
        )
    )
    return _merge(defn, setting)


def effective_plan(community_id: int, category: Category) -> tuple[StepDef, ...]:
    category = Category(category)
    settings = _settings(community_id, category)
    return tuple(_merge(defn, settings.get(defn.code)) for defn in plan(category))


def set_plan_setting(
    actor: User,
    community_id: int,
    category: Category,
    step_code: str,
    *,
    post: str = "",
    responsible_role: Role | str | None = None,
    responsible_user_id: int | None = None,
    days: int | None = None,
) -> PlanSetting:
    """Create or change the community's setting for one step; steps already created keep theirs."""
    category = Category(category)
    defn = default_def(category, step_code)
    post = (post or "").strip()
    if len(post) > 50:
        raise DomainError("岗位名称不能超过50个字。", "post")
    role = Role(responsible_role) if responsible_role else None
    if role is not None and role not in RESPONSIBLE_ROLES:
        raise DomainError("责任人只能是社区党委书记、社区工作人员或支部书记。", "responsible_role")
    if responsible_user_id:
        person = db.session.get(User, responsible_user_id)
        if person is None or person.community_id != community_id or not person.active:
            raise DomainError("责任人须是本社区在用的账号。", "responsible_user_id")
        if person.role not in RESPONSIBLE_ROLES:
            raise DomainError("驻区单位联络员不能担任步骤责任人。", "responsible_user_id")
    else:
        responsible_user_id = None
    if days is not None:
        if defn.recurring:
            raise DomainError("周期性步骤在每期期末到期，不能修改天数。", "days")
        if days < 0 or days > 365:
            raise DomainError("时限天数应在0到365日之间。", "days")
        if defn.limit.after == LETTER and days > MAX_LETTER_DAYS:
            raise DomainError("组织关系转入时限最长3个月（90日）。", "days")
    data = {"post": post, "responsible_role": role, "responsible_user_id": responsible_user_id, "days": days}
    setting = db.session.scalar(
        select(PlanSetting).where(
            PlanSetting.community_id == community_id,
            PlanSetting.category == category,
            PlanSetting.step_code == step_code,
        )
    )
    if setting is None:
        setting = PlanSetting(community_id=community_id, category=category, step_code=step_code, **data)
        db.session.add(setting)
        audit.record_create(actor, setting)
        for field, value in data.items():
            if value not in (None, ""):
                audit.record(actor, setting, "update", field, "", value)
        db.session.flush()
    else:
        audit.apply_changes(actor, setting, data)
    return setting


# --- opening a plan --------------------------------------------------------------------

def _last_plan_no(member_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.max(SupervisionStep.plan_no), 0)).where(SupervisionStep.member_id == member_id)
    )


def pending_steps(member: Member) -> list[SupervisionStep]:
    return list(db.session.scalars(
        select(SupervisionStep)
        .where(SupervisionStep.member_id == member.id, SupervisionStep.state == StepState.PENDING)
        .order_by(SupervisionStep.plan_no, SupervisionStep.seq, SupervisionStep.period_key)
    ))


def _letter_due(member: Member, registered: date) -> date | None:
    info = db.session.scalar(select(TakeoverInfo).where(TakeoverInfo.member_id == member.id))
    if info is None or info.letter_issued_on is None or info.letter_valid_days is None:
        return None
    expires = info.letter_issued_on + timedelta(days=min(info.letter_valid_days, MAX_LETTER_DAYS))
    if expires < registered and info.letter_expiry_override:
        return registered  # accepted late by override: handle at once
    return expires


def _new_step(member, plan_no, seq, category, defn, due_on, actor, period=None) -> SupervisionStep:
    limit = defn.limit
    step = SupervisionStep(
        member_id=member.id,
        community_id=member.community_id,
        category=category,
        plan_no=plan_no,
        step_code=defn.code,
        seq=seq,
        period_key=period,
        post=defn.post,
        responsible_role=defn.responsible_role,
        responsible_user_id=defn.responsible_user_id,
        task=defn.task,
        standard=defn.standard,
        time_limit_text=limit_text(defn, category),
        limit_days=limit.days if isinstance(limit, Relative) else None,
        due_on=due_on,
        state=StepState.PENDING,
    )
    step.member = member
    db.session.add(step)
    audit.record_create(actor, step)
    return step


def open_plan(member: Member, actor: User | None, today: date) -> list[SupervisionStep]:
    """Open the plan of the member's category: one-off steps with due dates, and this period's recurring ones."""
    if member.status != MemberStatus.ACTIVE:
        raise DomainError(f"该党员{member.status.label}，不能开启管理计划。")
    if pending_steps(member):
        raise DomainError("该党员已有进行中的管理计划，请先变更类别或关闭原计划。")
    category = Category(member.category)
    plan_no = _last_plan_no(member.id) + 1
    created = []
    previous_due = today
    for seq, defn in enumerate(effective_plan(member.community_id, category), start=1):
        if defn.follows:
            continue  # created when the step it follows is done
        if isinstance(defn.limit, Recurring):
            key = period_key(defn.limit.period, today)
            created.append(_new_step(member, plan_no, seq, category, defn, period_bounds(key)[1], actor, key))
            continue
        after = defn.limit.after
        if after == LETTER:
            due = _letter_due(member, today) or today + timedelta(days=defn.limit.days)
        elif after == PREVIOUS:
            due = previous_due + timedelta(days=defn.limit.days)
        else:
            due = today + timedelta(days=defn.limit.days)
        previous_due = due
        created.append(_new_step(member, plan_no, seq, category, defn, due, actor))
    db.session.flush()
    return created


# --- reading a step --------------------------------------------------------------------

def is_overdue(step: SupervisionStep, today: date) -> bool:
    return step.state == StepState.PENDING and step.due_on < today


def due_soon(step: SupervisionStep, today: date, days: int = 7) -> bool:
    """Pending and due within `days` from today (not yet overdue)."""
    return step.state == StepState.PENDING and today <= step.due_on <= today + timedelta(days=days)


def not_started(step: SupervisionStep, today: date) -> bool:
    """A recurring instance whose period lies in the future."""
    return bool(step.period_key) and period_bounds(step.period_key)[0] > today


def _in_scope(step: SupervisionStep, user: User) -> tuple[bool, bool]:
    """(may complete, may waive) by role and scope, ignoring state."""
    if user is None or not user.active or user.community_id is None or user.community_id != step.community_id:
        return False, False
    if user.role in (Role.SECRETARY, Role.STAFF):
        return True, True
    if step.responsible_user_id is not None and step.responsible_user_id == user.id:
        return True, False
    if (
        user.role == Role.BRANCH_SECRETARY
        and step.responsible_role == Role.BRANCH_SECRETARY
        and user.branch_id is not None
        and step.member.branch_id == user.branch_id
    ):
        return True, False
    return False, False


def allowed_actions(step: SupervisionStep, user: User, today: date) -> list[str]:
    """The actions `user` may take on `step` today: "complete", "waive" (drives the buttons)."""
    if step.state != StepState.PENDING:
        return []
    may_complete, may_waive = _in_scope(step, user)
    actions = []
    if may_complete and not not_started(step, today):
        actions.append(COMPLETE)
    if may_waive:
        actions.append(WAIVE)
    return actions


# --- moving a step ---------------------------------------------------------------------

def parse_outcome(text: str) -> str:
    """The outcome at the start of `text` (基本合格 and 不合格 before 合格), or ""."""
    text = (text or "").strip()
    for outcome in sorted(OUTCOMES, key=len, reverse=True):
        if text.startswith(outcome):
            return outcome
    return ""


def _refuse_state(step: SupervisionStep) -> None:
    if step.state == StepState.DONE:
        when = f"于{step.done_at:%Y-%m-%d}" if step.done_at else ""
        raise DomainError(f"该步骤已{when}完成，不能重复办理。")
    if step.state == StepState.WAIVED:
        raise DomainError(f"该步骤已免办（理由：{step.waive_reason}），不能再办理。")
    if step.state == StepState.CLOSED:
        raise DomainError(f"该步骤已关闭（{step.closed_reason}），不能再办理。")


def _service_recorded(member_id: int, year: int) -> bool:
    return bool(db.session.scalar(
        select(func.count(SupervisionStep.id)).where(
            SupervisionStep.member_id == member_id,
            SupervisionStep.step_code == "service_record",
            SupervisionStep.category == Category.ASSISTED,
            SupervisionStep.state == StepState.DONE,
            SupervisionStep.period_key.in_([f"{year}H1", f"{year}H2"]),
        )
    ))


def apply(
    step: SupervisionStep,
    action: str,
    actor: User,
    today: date,
    note: str = "",
    evidence: str = "",
    reason: str = "",
    outcome: str = "",
    hours: float | None = None,
    expected_version: int | None = None,
) -> list[SupervisionStep]:
    """Complete or waive `step`, audit it, flush; return the steps this created (next period, follow-ups)."""
    if action not in ACTIONS:
        raise DomainError("无法识别的操作。")
    if expected_version is not None and step.version != expected_version:
        raise StaleEdit()
    if step.state != StepState.PENDING:
        _refuse_state(step)
    may_complete, may_waive = _in_scope(step, actor)
    if action == WAIVE and not may_waive:
        raise DomainError("只有本社区党委书记或社区工作人员可以免办步骤。")
    if action == COMPLETE:
        if not may_complete:
            raise DomainError("您无权办理此步骤：它不在您的职责范围内。")
        if not_started(step, today):
            raise DomainError(f"{period_label(step.period_key)}尚未开始，不能提前办理。")
    note, evidence, reason = (note or "").strip(), (evidence or "").strip(), (reason or "").strip()
    defn = default_def(step.category, step.step_code)
    changes: dict = {"note": note, "evidence": evidence}
    if action == WAIVE:
        if not reason:
            raise DomainError("免办须填写理由。", "reason")
        if len(reason) > 200:
            raise DomainError("免办理由不能超过200个字。", "reason")
        changes["waive_reason"] = reason
        new_state = StepState.WAIVED
    else:
        if defn.needs_outcome:
            outcome = (outcome or "").strip() or parse_outcome(note)
            if outcome not in OUTCOMES:
                raise DomainError("请填写评价结果：优秀、合格、基本合格或不合格。", "outcome")
            if (
                step.category == Category.ASSISTED
                and outcome in PASSING_OUTCOMES
                and not _service_recorded(step.member_id, int(step.period_key[:4]))
            ):
                raise DomainError(
                    f"该党员{step.period_key[:4]}年没有已完成的服务记录，不能评为合格及以上。", "outcome"
                )
            changes["outcome"] = outcome
        if defn.needs_hours:
            if hours is None or hours <= 0:
                raise DomainError("请填写服务时长（小时，大于0）。", "hours")
            if hours > 2000:
                raise DomainError("服务时长不合理，请核对（单次记录不超过2000小时）。", "hours")
            changes["hours"] = float(hours)
        new_state = StepState.DONE
    old_state = step.state
    step.state = new_state
    audit.record(actor, step, "status", "state", old_state, new_state)
    for field, value in changes.items():
        if value not in ("", None) and getattr(step, field) != value:
            audit.record(actor, step, "update", field, getattr(step, field), value)
            setattr(step, field, value)
    if new_state == StepState.DONE:
        step.done_at = utcnow()
        step.done_by_id = actor.id
    db.session.flush()
    return _after_move(step, actor, today)


def _after_move(step: SupervisionStep, actor: User, today: date) -> list[SupervisionStep]:
    """Create what follows a done or waived step and restart the clock of the next chained step."""
    member = step.member
    category = Category(step.category)
    defs = effective_plan(step.community_id, category)
    created = []
    existing = {
        (s.step_code, s.period_key)
        for s in db.session.scalars(
            select(SupervisionStep).where(
                SupervisionStep.member_id == step.member_id, SupervisionStep.plan_no == step.plan_no
            )
        )
    }
    for seq, defn in enumerate(defs, start=1):
        if defn.code == step.step_code and defn.recurring and step.period_key:
            key = next_period_key(step.period_key)
            if (defn.code, key) not in existing:
                created.append(_new_step(member, step.plan_no, seq, category, defn, period_bounds(key)[1], actor, key))
        elif defn.follows == step.step_code and step.state == StepState.DONE:
            if (defn.code, step.period_key) not in existing:
                due = today + timedelta(days=defn.limit.days)
                created.append(_new_step(member, step.plan_no, seq, category, defn, due, actor, step.period_key))
    _restart_next(step, actor, today)
    db.session.flush()
    return created


def _restart_next(step: SupervisionStep, actor: User, today: date) -> None:
    """A step limited "after the previous step" counts its days from when the previous one ended."""
    if step.period_key:
        return
    later = db.session.scalars(
        select(SupervisionStep)
        .where(
            SupervisionStep.member_id == step.member_id,
            SupervisionStep.plan_no == step.plan_no,
            SupervisionStep.seq > step.seq,
            SupervisionStep.period_key.is_(None),
        )
        .order_by(SupervisionStep.seq)
    ).first()
    if later is None or later.state != StepState.PENDING or later.limit_days is None:
        return
    if default_def(later.category, later.step_code).limit.after != PREVIOUS:
        return
    due = today + timedelta(days=later.limit_days)
    if due != later.due_on:
        audit.record(actor, later, "update", "due_on", later.due_on, due)
        later.due_on = due


def refresh_recurring(session, community_id: int, today: date) -> list[SupervisionStep]:
    """Create the current period's instance of every recurring step for the community's open plans."""
    rows = session.execute(
        select(SupervisionStep.member_id, func.max(SupervisionStep.plan_no))
        .join(Member, Member.id == SupervisionStep.member_id)
        .where(
            SupervisionStep.community_id == community_id,
            SupervisionStep.state == StepState.PENDING,
            Member.status == MemberStatus.ACTIVE,
        )
        .group_by(SupervisionStep.member_id)
    ).all()
    if not rows:
        return []
    open_plans = dict(rows)
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(open_plans)))}
    existing = {
        (s.member_id, s.plan_no, s.step_code, s.period_key)
        for s in session.scalars(
            select(SupervisionStep).where(
                SupervisionStep.member_id.in_(open_plans), SupervisionStep.period_key.is_not(None)
            )
        )
    }
    plans = {c: effective_plan(community_id, c) for c in Category}
    created = []
    for member_id, plan_no in open_plans.items():
        member = members[member_id]
        category = Category(member.category)
        for seq, defn in enumerate(plans[category], start=1):
            if not defn.recurring:
                continue
            key = period_key(defn.limit.period, today)
            if (member_id, plan_no, defn.code, key) in existing:
                continue
            created.append(_new_step(member, plan_no, seq, category, defn, period_bounds(key)[1], None, key))
    session.flush()
    return created


# --- category changes and leaving ------------------------------------------------------

def _close_pending(member: Member, actor: User, reason: str) -> list[SupervisionStep]:
    closed = pending_steps(member)
    for step in closed:
        audit.record(actor, step, "status", "state", step.state, StepState.CLOSED)
        audit.record(actor, step, "update", "closed_reason", "", reason)
        step.state = StepState.CLOSED
        step.closed_reason = reason
    db.session.flush()
    return closed


def close_plan(member: Member, actor: User, reason: str) -> list[SupervisionStep]:
    """Close every open step of the member (when he leaves active supervision); return them."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写关闭管理计划的原因。", "reason")
    return _close_pending(member, actor, reason[:200])


def change_category(
    member: Member,
    new_category: Category | str,
    actor: User,
    today: date,
    reason: str,
    expected_version: int | None = None,
) -> list[SupervisionStep]:
    """Close the open steps of the old category and open the new category's plan; return the new steps."""
    try:
        new_category = Category(new_category)
    except ValueError:
        raise DomainError("请选择有效的管理类别。", "category") from None
    reason = (reason or "").strip()
    if expected_version is not None and member.version != expected_version:
        raise StaleEdit()
    if member.status != MemberStatus.ACTIVE:
        raise DomainError(f"该党员{member.status.label}，不能变更管理类别。", "category")
    old = Category(member.category)
    if new_category == old:
        raise DomainError(f"该党员已是{old.label}党员，类别没有变化。", "category")
    if not reason:
        raise DomainError("请填写类别变更原因（如：已再就业）。", "reason")
    if len(reason) > 150:
        raise DomainError("变更原因不能超过150个字。", "reason")
    _close_pending(member, actor, f"类别由{old.label}变更为{new_category.label}：{reason}")
    audit.record(actor, member, "update", "category", old, new_category)
    member.category = new_category
    db.session.flush()
    return open_plan(member, actor, today)


# --- category data ---------------------------------------------------------------------

INFO_CLASSES = {Category.DUAL: DualInfo, Category.TAKEOVER: TakeoverInfo, Category.ASSISTED: AssistedInfo}
INFO_LABELS = {DualInfo: "双管", TakeoverInfo: "接管", AssistedInfo: "协管"}
#: Text columns of the category data and their lengths (the forms use the same numbers).
TEXT_LIMITS = {
    DualInfo: {"former_employer": 100, "former_party_org": 100, "contact_person": 50, "contact_phone": 20},
    TakeoverInfo: {"origin_org": 100, "letter_number": 50, "letter_issuer": 100, "letter_override_reason": 200},
    AssistedInfo: {"employer": 100, "employer_party_org": 100, "skills": 200, "service_preference": 200},
}
FIELD_NAMES = {
    "former_employer": "原单位", "former_party_org": "原单位党组织", "contact_person": "联系人",
    "contact_phone": "联系电话", "origin_org": "原组织", "letter_number": "介绍信编号",
    "letter_issuer": "介绍信开具单位", "letter_override_reason": "逾期受理理由", "employer": "工作单位",
    "employer_party_org": "工作单位党组织", "skills": "特长", "service_preference": "服务意向",
}


def _is_phone(text: str) -> bool:
    digits = text.replace("-", "")
    if not digits.isdigit():
        return False
    if digits.startswith("1"):
        return len(digits) == 11 and digits[1] in "3456789"
    return digits.startswith("0") and 10 <= len(digits) <= 12


def _check_lengths(info) -> None:
    for field, limit in TEXT_LIMITS[type(info)].items():
        value = getattr(info, field) or ""
        if len(value) > limit:
            raise DomainError(f"{FIELD_NAMES[field]}不能超过{limit}个字。", field)


def validate_dual(info: DualInfo, today: date | None = None) -> None:
    _check_lengths(info)
    if not (info.former_employer or "").strip():
        raise DomainError("请填写原单位。", "former_employer")
    if not (info.contact_person or "").strip():
        raise DomainError("请填写原单位联系人。", "contact_person")
    phone = (info.contact_phone or "").strip()
    if not phone:
        raise DomainError("请填写联系人电话。", "contact_phone")
    if not _is_phone(phone):
        raise DomainError("联系电话格式不正确：请填写11位手机号或带区号的固定电话（如0937-6221234）。", "contact_phone")


def _transfer_in_date(member: Member | None) -> date | None:
    """When the member's relationship was transferred in (the transfer_in step done), if it was."""
    if member is None or member.id is None:
        return None
    done_at = db.session.scalar(
        select(func.max(SupervisionStep.done_at)).where(
            SupervisionStep.member_id == member.id,
            SupervisionStep.step_code == "transfer_in",
            SupervisionStep.state == StepState.DONE,
        )
    )
    return done_at.date() if done_at else None


def validate_takeover(info: TakeoverInfo, today: date) -> None:
    """Reason, origin, and the introduction letter; an expired letter needs an explicit override with reason."""
    _check_lengths(info)
    if not info.reason:
        raise DomainError("请选择接管原因。", "reason")
    try:
        TakeoverReason(info.reason)
    except ValueError:
        raise DomainError("接管原因只能是下岗失业、解除劳动合同、复转军人或未就业高校毕业生。", "reason") from None
    if not (info.origin_org or "").strip():
        raise DomainError("请填写原组织（组织关系从哪里转来）。", "origin_org")
    letter = [info.letter_number, info.letter_issuer, info.letter_issued_on, info.letter_valid_days]
    if not any(v not in (None, "") for v in letter):
        if info.letter_expiry_override:
            raise DomainError("尚未登记介绍信，无需逾期受理。", "letter_expiry_override")
        return  # the letter may arrive after registration
    if not (info.letter_number or "").strip():
        raise DomainError("请填写介绍信编号。", "letter_number")
    if not (info.letter_issuer or "").strip():
        raise DomainError("请填写介绍信开具单位。", "letter_issuer")
    if info.letter_issued_on is None:
        raise DomainError("请填写介绍信开具日期。", "letter_issued_on")
    if info.letter_issued_on > today:
        raise DomainError("介绍信开具日期不能晚于今天。", "letter_issued_on")
    if info.member is not None and info.letter_issued_on < info.member.joined_on:
        raise DomainError("介绍信开具日期不能早于入党日期。", "letter_issued_on")
    days = info.letter_valid_days
    if days is None:
        raise DomainError(f"请填写介绍信有效期（市内一般{LETTER_DAYS_CITY}日，市外{LETTER_DAYS_OUTSIDE}日）。",
                          "letter_valid_days")
    if days < 1 or days > MAX_LETTER_DAYS:
        raise DomainError("介绍信有效期应为1至90日（最长3个月）。", "letter_valid_days")
    expires = info.letter_issued_on + timedelta(days=days)
    override_reason = (info.letter_override_reason or "").strip()
    # The letter had to be valid when the relationship was transferred in, not on every later edit.
    received = _transfer_in_date(info.member) or today
    if expires < received:
        if not info.letter_expiry_override:
            raise DomainError(
                f"介绍信已于{expires:%Y-%m-%d}过期。确需受理的，请勾选“逾期受理”并填写理由。",
                "letter_expiry_override",
            )
        if not override_reason:
            raise DomainError("逾期受理须填写理由。", "letter_override_reason")
    elif info.letter_expiry_override:
        raise DomainError("介绍信仍在有效期内，无需逾期受理。", "letter_expiry_override")


def validate_assisted(info: AssistedInfo, today: date) -> None:
    _check_lengths(info)
    if not (info.employer or "").strip():
        raise DomainError("请填写工作单位。", "employer")
    if not (info.employer_party_org or "").strip():
        raise DomainError("请填写工作单位党组织（报到回执和年度评价反馈寄往该组织）。", "employer_party_org")
    if info.reported_on is None:
        raise DomainError("请填写到社区报到日期。", "reported_on")
    if info.reported_on > today:
        raise DomainError("报到日期不能晚于今天。", "reported_on")
    if info.member is not None and info.reported_on < info.member.joined_on:
        raise DomainError("报到日期不能早于入党日期。", "reported_on")


VALIDATORS = {DualInfo: validate_dual, TakeoverInfo: validate_takeover, AssistedInfo: validate_assisted}


def validate_category_info(member: Member, info, today: date) -> None:
    """Check that `info` fits the member's category, then its own rules."""
    expected = INFO_CLASSES.get(Category(member.category))
    if expected is None:
        raise DomainError(f"{member.category.label}党员没有类别信息可填写。")
    if not isinstance(info, expected):
        raise DomainError(
            f"该党员是{member.category.label}党员，不能填写{INFO_LABELS[type(info)]}信息。"
        )
    VALIDATORS[expected](info, today)


def category_info(member: Member):
    """The member's category data for his current category, or None."""
    cls = INFO_CLASSES.get(Category(member.category))
    if cls is None:
        return None
    return db.session.scalar(select(cls).where(cls.member_id == member.id))


def save_category_info(member: Member, data: dict, actor: User, today: date, expected_version: int | None = None):
    """Create or edit the category data of `member` from `data`; validate, audit, flush; return it.

    An accepted expired letter writes an extra "override" audit row with the reason.
    """
    cls = INFO_CLASSES.get(Category(member.category))
    if cls is None:
        raise DomainError(f"{member.category.label}党员没有类别信息可填写。")
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    if cls is TakeoverInfo and data.get("reason"):
        try:
            data["reason"] = TakeoverReason(data["reason"])
        except ValueError:
            raise DomainError("接管原因只能是下岗失业、解除劳动合同、复转军人或未就业高校毕业生。", "reason") from None
    columns = set(cls.__table__.columns.keys()) - {"id", "member_id", "version", "created_at", "updated_at"}
    unknown = set(data) - columns
    if unknown:
        raise DomainError(f"无法识别的字段：{'、'.join(sorted(unknown))}。")
    info = category_info(member)
    if expected_version is not None and info is not None and info.version != expected_version:
        raise StaleEdit()
    current = {c: getattr(info, c) for c in columns} if info is not None else {}
    draft = cls(**{**current, **data})
    draft.member = member
    try:
        validate_category_info(member, draft, today)
    finally:
        # The draft only carried the values to validate; keep it out of the session.
        if draft in db.session:
            db.session.expunge(draft)
    overridden = (
        cls is TakeoverInfo
        and draft.letter_expiry_override
        and (info is None or not info.letter_expiry_override)
    )
    if info is None:
        info = cls(member_id=member.id, **data)
        info.member = member
        db.session.add(info)
        db.session.flush()
        audit.record(actor, info, "create", community_id=member.community_id)
    else:
        for field, new in data.items():
            old = getattr(info, field)
            if old != new:
                audit.record(actor, info, "update", field, old, new, community_id=member.community_id)
                setattr(info, field, new)
    if overridden:
        audit.record(actor, info, "override", "letter_expiry_override", "", draft.letter_override_reason,
                     community_id=member.community_id)
    db.session.flush()
    if cls is TakeoverInfo:
        _refresh_letter_due(member, actor, today)
    return info


def _refresh_letter_due(member: Member, actor: User, today: date) -> None:
    """When the letter is recorded after the plan opened, the transfer-in step takes its validity."""
    step = db.session.scalar(
        select(SupervisionStep).where(
            SupervisionStep.member_id == member.id,
            SupervisionStep.step_code == "transfer_in",
            SupervisionStep.category == Category.TAKEOVER,
            SupervisionStep.state == StepState.PENDING,
        )
    )
    if step is None:
        return
    due = _letter_due(member, today)
    if due is not None and due != step.due_on:
        audit.record(actor, step, "update", "due_on", step.due_on, due)
        step.due_on = due
        db.session.flush()


# --- to-do lists (issue 3, part 5) -----------------------------------------------------

#: A step is on the to-do list when it is overdue or due within this many days.
TODO_DAYS = 7


def in_scope(step: SupervisionStep, user: User) -> bool:
    """Whether `user` may act on `step` at all (its state aside): the step page is his to open."""
    return any(_in_scope(step, user))


def _todo_base(today: date | None, days: int = TODO_DAYS):
    """Pending steps of active members, due by today + `days` (all pending ones when `today` is None).

    Member and branch come with each step (contains_eager) and so does the named person, so a page of
    any size costs the same number of queries.
    """
    stmt = (
        select(SupervisionStep)
        .join(Member, Member.id == SupervisionStep.member_id)
        .outerjoin(Branch, Branch.id == Member.branch_id)
        .where(SupervisionStep.state == StepState.PENDING, Member.status == MemberStatus.ACTIVE)
        .options(
            contains_eager(SupervisionStep.member).contains_eager(Member.branch),
            joinedload(SupervisionStep.responsible_user),
        )
    )
    if today is not None:
        stmt = stmt.where(SupervisionStep.due_on <= today + timedelta(days=days))
    return stmt


def _order(stmt, by: str):
    if by == "branch":
        return stmt.order_by(Branch.name.is_(None), Branch.name, SupervisionStep.due_on, SupervisionStep.id)
    per_branch = case((SupervisionStep.responsible_role == Role.BRANCH_SECRETARY, Branch.name), else_="")
    return stmt.order_by(
        SupervisionStep.responsible_role, SupervisionStep.responsible_user_id.is_not(None),
        SupervisionStep.responsible_user_id, per_branch, SupervisionStep.due_on, SupervisionStep.id,
    )


def community_todo(community_id: int, today: date, by: str = "responsible"):
    """The statement of the community's to-do list: overdue or due within 7 days, grouped `by`."""
    # The member's community too, though implied: it lets PostgreSQL read the community's members by
    # index instead of hashing every member of the district.
    stmt = _todo_base(today).where(SupervisionStep.community_id == community_id, Member.community_id == community_id)
    return _order(stmt, by)


def user_todo(user: User, today: date | None, by: str = "responsible"):
    """The statement of `user`'s own to-do list: steps named to him, or to his role in his scope.

    With `today` None every pending step is listed, not only those due within 7 days.
    """
    if user.community_id is None or user.role not in RESPONSIBLE_ROLES:
        return _todo_base(today).where(false())
    by_role = and_(
        SupervisionStep.responsible_role == user.role,
        or_(SupervisionStep.responsible_user_id.is_(None), SupervisionStep.responsible_user_id == user.id),
    )
    if user.role == Role.BRANCH_SECRETARY:
        by_role = and_(by_role, Member.branch_id == user.branch_id) if user.branch_id else false()
    stmt = _todo_base(today).where(
        SupervisionStep.community_id == user.community_id,
        Member.community_id == user.community_id,  # as in community_todo: the index on the member's community
        or_(SupervisionStep.responsible_user_id == user.id, by_role),
    )
    return _order(stmt, by)


def responsible_label(step: SupervisionStep) -> str:
    """Who answers for the step, as shown: the named person, else the role (and branch)."""
    if step.responsible_user is not None:
        return f"{step.responsible_user.display_name}（{step.responsible_role.label}）"
    if step.responsible_role == Role.BRANCH_SECRETARY:
        branch = step.member.branch
        return f"{branch.name}书记" if branch else "支部书记（未编入支部）"
    return step.responsible_role.label


def group_label(step: SupervisionStep, by: str) -> str:
    if by == "branch":
        return step.member.branch.name if step.member.branch else "未编入党支部"
    return responsible_label(step)


def due_text(step: SupervisionStep, today: date) -> tuple[str, str]:
    """(text, colour) of a pending step's clock: 逾期N天 in red, N天后到期, 今天到期."""
    if step.state != StepState.PENDING:
        return "", ""
    days = (step.due_on - today).days
    if days < 0:
        return f"逾期{-days}天", "danger"
    if days == 0:
        return "今天到期", "warning"
    if days <= TODO_DAYS:
        return f"{days}天后到期", "warning"
    if not_started(step, today):
        return f"{period_label(step.period_key)}开始后办理", "light"
    return f"{days}天后到期", "light"


def member_steps(member: Member) -> list[SupervisionStep]:
    """Every step of every plan the member has had, newest plan first, in plan order."""
    return list(db.session.scalars(
        select(SupervisionStep)
        .where(SupervisionStep.member_id == member.id)
        .options(selectinload(SupervisionStep.done_by), selectinload(SupervisionStep.responsible_user))
        .order_by(SupervisionStep.plan_no.desc(), SupervisionStep.seq, SupervisionStep.period_key,
                  SupervisionStep.id)
    ))
