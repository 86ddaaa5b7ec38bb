"""The supervision workflow (五定), state by state, with a fixed clock."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from partyorg.domain import workflow as wf
from partyorg.domain.errors import DomainError, StaleEdit
from partyorg.extensions import db
from partyorg.models import (
    AuditEntry,
    Category,
    MemberStatus,
    Role,
    StepState,
    SupervisionStep,
    TakeoverInfo,
    TakeoverReason,
)

from . import factories

#: Monday 10 August 2026: third quarter, second half year.
TODAY = date(2026, 8, 10)
D = timedelta


def steps_of(member, state=None):
    query = select(SupervisionStep).where(SupervisionStep.member_id == member.id)
    if state is not None:
        query = query.where(SupervisionStep.state == state)
    return list(db.session.scalars(query.order_by(SupervisionStep.plan_no, SupervisionStep.seq, SupervisionStep.id)))


def step(member, code, period=None, plan_no=None):
    query = select(SupervisionStep).where(
        SupervisionStep.member_id == member.id, SupervisionStep.step_code == code
    )
    query = query.where(SupervisionStep.period_key == period if period else SupervisionStep.period_key.is_(None))
    if plan_no is not None:
        query = query.where(SupervisionStep.plan_no == plan_no)
    return db.session.scalars(query.order_by(SupervisionStep.plan_no.desc())).first()


def audit_rows(entity, entity_id, action=None):
    query = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def new_member(world, category, **kw):
    kw.setdefault("branch_id", world.a.branch.id)
    return factories.member(world.a.community, category=category, **kw)


def secretary(world):
    return world.a.users[Role.SECRETARY]


def staff(world):
    return world.a.users[Role.STAFF]


def opened(world, category, today=TODAY, **kw):
    member = new_member(world, category, **kw)
    wf.open_plan(member, staff(world), today)
    return member


# --- opening each plan ---------------------------------------------------------------------

OPEN_TABLE = {
    Category.TAKEOVER: [
        ("registration", None, TODAY, Role.STAFF, "登记当日"),
        ("documents", None, TODAY + D(10), Role.STAFF, "登记后10日内"),
        ("transfer_in", None, TODAY + D(30), Role.SECRETARY, "介绍信有效期内（市内10日、市外30日，最长3个月）"),
        ("assign", None, TODAY + D(37), Role.STAFF, "组织关系转入完成后7日内"),
        ("first_talk", None, TODAY + D(67), Role.BRANCH_SECRETARY, "编入党支部和党小组完成后30日内"),
        ("contact", "2026Q3", date(2026, 9, 30), Role.BRANCH_SECRETARY, "每季度一次，季度末前完成"),
    ],
    Category.ASSISTED: [
        ("report_in", None, TODAY + D(7), Role.STAFF, "登记后7日内"),
        ("claim_post", None, TODAY + D(30), Role.STAFF, "登记后30日内"),
        ("service_record", "2026H2", date(2026, 12, 31), Role.BRANCH_SECRETARY, "每半年至少一次（6月30日、12月31日前）"),
        ("evaluation", "2026", date(2026, 12, 31), Role.SECRETARY, "每年12月31日前"),
    ],
    Category.DUAL: [
        ("registration", None, TODAY + D(7), Role.STAFF, "登记后7日内"),
        ("notice", "2026Q3", date(2026, 9, 30), Role.STAFF, "每季度一次，季度末前完成"),
        ("joint_review", "2026", date(2026, 12, 31), Role.SECRETARY, "每年12月31日前"),
    ],
    Category.DIRECT: [
        ("assign", None, TODAY + D(7), Role.STAFF, "登记后7日内"),
        ("org_life", "2026Q3", date(2026, 9, 30), Role.BRANCH_SECRETARY, "每季度一次，季度末前完成"),
        ("appraisal", "2026", date(2026, 12, 31), Role.BRANCH_SECRETARY, "每年12月31日前"),
    ],
}


@pytest.mark.parametrize("category", list(OPEN_TABLE))
def test_open_plan_creates_first_steps_with_five_fixed_items(world, category):
    member = opened(world, category)
    rows = steps_of(member)
    got = [(s.step_code, s.period_key, s.due_on, s.responsible_role, s.time_limit_text) for s in rows]
    assert got == OPEN_TABLE[category]
    assert all(s.state == StepState.PENDING and s.plan_no == 1 and s.category == category for s in rows)
    assert all(s.post and s.task and s.standard for s in rows)
    assert all(s.community_id == world.a.community.id for s in rows)
    for s in rows:
        assert [r.action for r in audit_rows("supervision_step", s.id)] == ["create"]


def test_open_plan_twice_refused(world):
    member = opened(world, Category.DIRECT)
    with pytest.raises(DomainError, match="已有进行中的管理计划"):
        wf.open_plan(member, staff(world), TODAY)
    assert len(steps_of(member)) == 3


def test_open_plan_for_member_who_left_refused(world):
    member = new_member(world, Category.DIRECT, status=MemberStatus.DECEASED)
    with pytest.raises(DomainError, match="已去世"):
        wf.open_plan(member, staff(world), TODAY)
    assert steps_of(member) == []


# --- moving each step: complete and waive ----------------------------------------------------

#: (category, step, period, action, extra arguments, expected state, steps created: (code, period, due))
MOVES = [
    (Category.TAKEOVER, "registration", None, "complete", {}, StepState.DONE, []),
    (Category.TAKEOVER, "documents", None, "complete", {"evidence": "介绍信扫描件"}, StepState.DONE, []),
    (Category.TAKEOVER, "transfer_in", None, "complete", {}, StepState.DONE, []),
    (Category.TAKEOVER, "assign", None, "complete", {}, StepState.DONE, []),
    (Category.TAKEOVER, "first_talk", None, "waive", {"reason": "本人长期外出务工"}, StepState.WAIVED, []),
    (Category.TAKEOVER, "contact", "2026Q3", "complete", {"note": "电话联系"}, StepState.DONE,
     [("contact", "2026Q4", date(2026, 12, 31))]),
    (Category.TAKEOVER, "contact", "2026Q3", "waive", {"reason": "住院治疗"}, StepState.WAIVED,
     [("contact", "2026Q4", date(2026, 12, 31))]),
    (Category.ASSISTED, "report_in", None, "complete", {"evidence": "回执已寄回"}, StepState.DONE, []),
    (Category.ASSISTED, "claim_post", None, "complete", {"note": "认领文明劝导岗"}, StepState.DONE, []),
    (Category.ASSISTED, "service_record", "2026H2", "complete", {"hours": 4}, StepState.DONE,
     [("service_record", "2027H1", date(2027, 6, 30))]),
    (Category.ASSISTED, "evaluation", "2026", "complete", {"outcome": "不合格"}, StepState.DONE,
     [("evaluation", "2027", date(2027, 12, 31)), ("feedback", "2026", TODAY + D(15))]),
    (Category.ASSISTED, "evaluation", "2026", "waive", {"reason": "年内报到不满三个月"}, StepState.WAIVED,
     [("evaluation", "2027", date(2027, 12, 31))]),
    (Category.DUAL, "registration", None, "complete", {}, StepState.DONE, []),
    (Category.DUAL, "notice", "2026Q3", "complete", {"note": "已函告原单位"}, StepState.DONE,
     [("notice", "2026Q4", date(2026, 12, 31))]),
    (Category.DUAL, "joint_review", "2026", "complete", {}, StepState.DONE, [("joint_review", "2027", date(2027, 12, 31))]),
    (Category.DIRECT, "assign", None, "complete", {}, StepState.DONE, []),
    (Category.DIRECT, "org_life", "2026Q3", "complete", {}, StepState.DONE, [("org_life", "2026Q4", date(2026, 12, 31))]),
    (Category.DIRECT, "appraisal", "2026", "complete", {"note": "优秀。群众评价好"}, StepState.DONE,
     [("appraisal", "2027", date(2027, 12, 31))]),
    (Category.DIRECT, "appraisal", "2026", "waive", {"reason": "病重无法参加"}, StepState.WAIVED,
     [("appraisal", "2027", date(2027, 12, 31))]),
]


@pytest.mark.parametrize(("category", "code", "period", "action", "extra", "state", "created"), MOVES)
def test_move_each_step(world, category, code, period, action, extra, state, created):
    member = opened(world, category)
    target = step(member, code, period)
    actor = secretary(world)
    assert action in wf.allowed_actions(target, actor, TODAY)
    before = {s.id for s in steps_of(member)}

    made = wf.apply(target, action, actor, TODAY, **extra)

    assert target.state == state
    assert wf.allowed_actions(target, actor, TODAY) == []
    assert sorted((s.step_code, s.period_key, s.due_on) for s in made) == sorted(created)
    assert {s.id for s in steps_of(member)} - before == {s.id for s in made}
    if state == StepState.DONE:
        assert target.done_by_id == actor.id and target.done_at is not None
    else:
        assert target.waive_reason == extra["reason"] and target.done_at is None
    status = audit_rows("supervision_step", target.id, "status")
    assert [(r.field, r.old_value, r.new_value, r.user_id) for r in status] == [
        ("state", "待办", state.label, actor.id)
    ]


@pytest.mark.parametrize("final", [StepState.DONE, StepState.WAIVED, StepState.CLOSED])
@pytest.mark.parametrize("action", ["complete", "waive"])
def test_no_move_out_of_a_final_state(world, final, action):
    member = opened(world, Category.DIRECT)
    target = step(member, "assign")
    if final == StepState.DONE:
        wf.apply(target, "complete", staff(world), TODAY)
    elif final == StepState.WAIVED:
        wf.apply(target, "waive", staff(world), TODAY, reason="已在原社区编入")
    else:
        wf.close_plan(member, staff(world), "迁出本社区")
    rows = len(audit_rows("supervision_step", target.id))
    assert wf.allowed_actions(target, secretary(world), TODAY) == []
    with pytest.raises(DomainError, match="不能(重复|再)办理"):
        wf.apply(target, action, secretary(world), TODAY, reason="再试一次")
    assert target.state == final
    assert len(audit_rows("supervision_step", target.id)) == rows


def test_complete_twice_refused(world):
    member = opened(world, Category.TAKEOVER)
    target = step(member, "registration")
    wf.apply(target, "complete", staff(world), TODAY, note="已登记")
    with pytest.raises(DomainError, match="完成，不能重复办理"):
        wf.apply(target, "complete", secretary(world), TODAY, note="再登记")
    assert target.note == "已登记" and target.done_by_id == staff(world).id


def test_waive_without_reason_refused_and_nothing_changes(world):
    member = opened(world, Category.DUAL)
    target = step(member, "registration")
    with pytest.raises(DomainError) as err:
        wf.apply(target, "waive", staff(world), TODAY, reason="   ")
    assert err.value.message == "免办须填写理由。" and err.value.field == "reason"
    assert target.state == StepState.PENDING
    assert len(audit_rows("supervision_step", target.id)) == 1


def test_unknown_action_refused(world):
    target = step(opened(world, Category.DIRECT), "assign")
    with pytest.raises(DomainError, match="无法识别"):
        wf.apply(target, "delete", staff(world), TODAY)


def test_stale_version_refused(world):
    target = step(opened(world, Category.DIRECT), "assign")
    with pytest.raises(StaleEdit):
        wf.apply(target, "complete", staff(world), TODAY, expected_version=target.version + 1)
    assert target.state == StepState.PENDING


def test_takeover_walk_restarts_chained_time_limits(world):
    member = opened(world, Category.TAKEOVER)
    actor = staff(world)
    wf.apply(step(member, "registration"), "complete", actor, TODAY)
    wf.apply(step(member, "documents"), "complete", actor, TODAY + D(3))
    assert step(member, "assign").due_on == TODAY + D(37)
    wf.apply(step(member, "transfer_in"), "complete", secretary(world), TODAY + D(5))
    assign = step(member, "assign")
    assert assign.due_on == TODAY + D(12)  # 7 days after the transfer, not after the planned date
    assert [(r.field, r.old_value, r.new_value) for r in audit_rows("supervision_step", assign.id, "update")] == [
        ("due_on", (TODAY + D(37)).isoformat(), (TODAY + D(12)).isoformat())
    ]
    wf.apply(assign, "complete", actor, TODAY + D(10))
    assert step(member, "first_talk").due_on == TODAY + D(40)
    branch_sec = world.a.users[Role.BRANCH_SECRETARY]
    wf.apply(step(member, "first_talk"), "complete", branch_sec, TODAY + D(20), note="谈话记录已存档")
    pending = [(s.step_code, s.period_key) for s in steps_of(member, StepState.PENDING)]
    assert pending == [("contact", "2026Q3")]


# --- who may act -----------------------------------------------------------------------------

def _users(world):
    return {
        "secretary": world.a.users[Role.SECRETARY],
        "staff": world.a.users[Role.STAFF],
        "branch": world.a.users[Role.BRANCH_SECRETARY],
        "liaison": world.a.users[Role.LIAISON],
        "other_secretary": world.b.users[Role.SECRETARY],
        "other_staff": world.b.users[Role.STAFF],
        "district": world.district,
    }


#: (who, member, step, expected allowed actions)
SCOPE = [
    ("secretary", "member", "assign", ["complete", "waive"]),
    ("staff", "member", "org_life", ["complete", "waive"]),
    ("branch", "member", "org_life", ["complete"]),       # his branch, a branch-secretary step
    ("branch", "member", "assign", []),                   # a staff step
    ("branch", "other_member", "service_record", []),     # member of another (functional) branch
    ("liaison", "member", "org_life", []),
    ("other_secretary", "member", "assign", []),
    ("other_staff", "member", "org_life", []),
    ("district", "member", "assign", []),
]


@pytest.mark.parametrize(("who", "whose", "code", "expected"), SCOPE)
def test_allowed_actions_by_role_and_scope(world, who, whose, code, expected):
    member = getattr(world.a, whose)
    wf.open_plan(member, staff(world), TODAY)
    target = db.session.scalars(
        select(SupervisionStep).where(SupervisionStep.member_id == member.id, SupervisionStep.step_code == code)
    ).one()
    user = _users(world)[who]
    assert wf.allowed_actions(target, user, TODAY) == expected
    for action in ("complete", "waive"):
        if action in expected:
            continue
        with pytest.raises(DomainError, match="无权|只有本社区"):
            wf.apply(target, action, user, TODAY, reason="试图越权", hours=2)
        assert target.state == StepState.PENDING


def test_named_responsible_person_may_complete(world):
    other_branch_sec = factories.user("a_branch2", Role.BRANCH_SECRETARY, world.a.community,
                                      branch_id=world.a.functional.id)
    wf.set_plan_setting(secretary(world), world.a.community.id, Category.DIRECT, "assign",
                        responsible_user_id=other_branch_sec.id)
    member = opened(world, Category.DIRECT)
    target = step(member, "assign")
    assert target.responsible_user_id == other_branch_sec.id
    assert wf.allowed_actions(target, other_branch_sec, TODAY) == ["complete"]


def test_inactive_account_may_not_act(world):
    target = step(opened(world, Category.DIRECT), "assign")
    user = staff(world)
    user.active = False
    assert wf.allowed_actions(target, user, TODAY) == []


# --- recurring steps -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("category", "on", "expected"),
    [
        (Category.DIRECT, date(2026, 9, 30), []),
        (Category.DIRECT, date(2026, 10, 1), [("org_life", "2026Q4", date(2026, 12, 31))]),
        (Category.DIRECT, date(2027, 1, 4), [("org_life", "2027Q1", date(2027, 3, 31)),
                                             ("appraisal", "2027", date(2027, 12, 31))]),
        (Category.ASSISTED, date(2026, 12, 31), []),
        (Category.ASSISTED, date(2027, 2, 1), [("service_record", "2027H1", date(2027, 6, 30)),
                                               ("evaluation", "2027", date(2027, 12, 31))]),
        (Category.DUAL, date(2027, 1, 1), [("notice", "2027Q1", date(2027, 3, 31)),
                                           ("joint_review", "2027", date(2027, 12, 31))]),
        (Category.TAKEOVER, date(2026, 11, 15), [("contact", "2026Q4", date(2026, 12, 31))]),
    ],
)
def test_refresh_recurring_creates_instances_for_started_periods(world, category, on, expected):
    member = opened(world, category)
    made = wf.refresh_recurring(db.session, world.a.community.id, on)
    assert sorted((s.step_code, s.period_key, s.due_on) for s in made if s.member_id == member.id) == sorted(expected)
    assert wf.refresh_recurring(db.session, world.a.community.id, on) == []  # idempotent
    if expected:
        # the previous period's instance stays open, and is now overdue
        code = expected[0][0]
        old = [s for s in steps_of(member, StepState.PENDING) if s.step_code == code and s.period_key != expected[0][1]]
        assert old and all(wf.is_overdue(s, on) for s in old)


def test_refresh_only_touches_open_plans_in_the_community(world):
    here = opened(world, Category.DIRECT)
    gone = opened(world, Category.DIRECT)
    wf.close_plan(gone, staff(world), "组织关系转出")
    gone.status = MemberStatus.TRANSFERRED_OUT
    there = factories.member(world.b.community, category=Category.DIRECT)
    wf.open_plan(there, world.b.users[Role.STAFF], TODAY)
    made = wf.refresh_recurring(db.session, world.a.community.id, date(2026, 10, 1))
    assert {s.member_id for s in made} == {here.id}


def test_done_late_does_not_duplicate_the_next_period(world):
    member = opened(world, Category.DIRECT)
    wf.refresh_recurring(db.session, world.a.community.id, date(2026, 10, 5))
    late = step(member, "org_life", "2026Q3")
    assert wf.is_overdue(late, date(2026, 10, 5))
    made = wf.apply(late, "complete", staff(world), date(2026, 10, 5))
    assert made == []
    assert len([s for s in steps_of(member) if s.step_code == "org_life"]) == 2


def test_future_period_cannot_be_completed_early(world):
    member = opened(world, Category.DIRECT)
    wf.apply(step(member, "org_life", "2026Q3"), "complete", staff(world), TODAY)
    q4 = step(member, "org_life", "2026Q4")
    assert wf.allowed_actions(q4, staff(world), TODAY) == ["waive"]
    with pytest.raises(DomainError, match="2026年第四季度尚未开始"):
        wf.apply(q4, "complete", staff(world), TODAY)
    assert wf.allowed_actions(q4, staff(world), date(2026, 10, 1)) == ["complete", "waive"]


# --- overdue and due soon (derived, never stored) ------------------------------------------------

@pytest.mark.parametrize(
    ("offset", "state", "overdue", "soon"),
    [
        (-30, StepState.PENDING, True, False),
        (-1, StepState.PENDING, True, False),
        (0, StepState.PENDING, False, True),
        (7, StepState.PENDING, False, True),
        (8, StepState.PENDING, False, False),
        (-5, StepState.DONE, False, False),
        (-5, StepState.WAIVED, False, False),
        (-5, StepState.CLOSED, False, False),
        (3, StepState.DONE, False, False),
    ],
)
def test_overdue_and_due_soon(world, offset, state, overdue, soon):
    target = step(opened(world, Category.DIRECT), "assign")
    target.due_on = TODAY + D(offset)
    target.state = state
    assert wf.is_overdue(target, TODAY) is overdue
    assert wf.due_soon(target, TODAY) is soon


def test_due_soon_window_is_adjustable(world):
    target = step(opened(world, Category.DIRECT), "assign")  # due in 7 days
    assert wf.due_soon(target, TODAY, days=3) is False
    assert wf.due_soon(target, TODAY + D(5), days=3) is True
    assert wf.is_overdue(target, TODAY + D(8)) is True


# --- category change and leaving -----------------------------------------------------------------

def test_category_change_closes_old_plan_and_opens_new(world):
    member = opened(world, Category.TAKEOVER)
    actor = secretary(world)
    wf.apply(step(member, "registration"), "complete", actor, TODAY)
    later = TODAY + D(20)

    made = wf.change_category(member, Category.ASSISTED, actor, later, "已再就业")

    assert member.category == Category.ASSISTED
    old = [s for s in steps_of(member) if s.plan_no == 1]
    assert {s.step_code: s.state for s in old} == {
        "registration": StepState.DONE, "documents": StepState.CLOSED, "transfer_in": StepState.CLOSED,
        "assign": StepState.CLOSED, "first_talk": StepState.CLOSED, "contact": StepState.CLOSED,
    }
    closed = [s for s in old if s.state == StepState.CLOSED]
    assert all(s.closed_reason == "类别由接管变更为协管：已再就业" for s in closed)
    assert [(s.step_code, s.period_key, s.plan_no, s.state) for s in made] == [
        ("report_in", None, 2, StepState.PENDING), ("claim_post", None, 2, StepState.PENDING),
        ("service_record", "2026H2", 2, StepState.PENDING), ("evaluation", "2026", 2, StepState.PENDING),
    ]
    assert step(member, "report_in").due_on == later + D(7)
    # the history shows both plans
    change = audit_rows("member", member.id, "update")
    assert [(r.field, r.old_value, r.new_value, r.user_id) for r in change] == [("category", "接管", "协管", actor.id)]
    for s in closed:
        rows = [(r.action, r.field, r.new_value) for r in audit_rows("supervision_step", s.id)]
        assert ("status", "state", "已关闭") in rows
    assert all(audit_rows("supervision_step", s.id, "create") for s in made)


@pytest.mark.parametrize(
    ("new", "reason", "message"),
    [
        (Category.DIRECT, "搬家", "已是直管党员"),
        (Category.DUAL, "", "请填写类别变更原因"),
        ("unknown", "退休", "请选择有效的管理类别"),
    ],
)
def test_category_change_bad_input_changes_nothing(world, new, reason, message):
    member = opened(world, Category.DIRECT)
    with pytest.raises(DomainError, match=message):
        wf.change_category(member, new, staff(world), TODAY, reason)
    assert member.category == Category.DIRECT
    assert all(s.state == StepState.PENDING for s in steps_of(member))


def test_category_change_stale_member_refused(world):
    member = opened(world, Category.DIRECT)
    with pytest.raises(StaleEdit):
        wf.change_category(member, Category.DUAL, staff(world), TODAY, "退休", expected_version=member.version + 1)
    assert member.category == Category.DIRECT


def test_leaving_closes_everything_and_nothing_recurs(world):
    member = opened(world, Category.ASSISTED)
    wf.apply(step(member, "report_in"), "complete", staff(world), TODAY)
    closed = wf.close_plan(member, staff(world), "组织关系转出至兰州市")
    assert {s.step_code for s in closed} == {"claim_post", "service_record", "evaluation"}
    assert steps_of(member, StepState.PENDING) == []
    assert all(s.closed_reason == "组织关系转出至兰州市" for s in closed)
    assert step(member, "report_in").state == StepState.DONE
    assert wf.refresh_recurring(db.session, world.a.community.id, date(2027, 1, 2)) == []
    for s in closed:
        assert wf.allowed_actions(s, secretary(world), TODAY) == []
        assert audit_rows("supervision_step", s.id, "status")[0].new_value == "已关闭"


def test_leaving_needs_a_reason(world):
    member = opened(world, Category.DIRECT)
    with pytest.raises(DomainError, match="请填写关闭管理计划的原因"):
        wf.close_plan(member, staff(world), " ")
    assert len(steps_of(member, StepState.PENDING)) == 3


def test_a_member_can_return_to_an_earlier_category(world):
    member = opened(world, Category.TAKEOVER)
    wf.change_category(member, Category.ASSISTED, staff(world), TODAY, "已再就业")
    wf.change_category(member, Category.TAKEOVER, staff(world), TODAY, "再次失业")
    contacts = [(s.plan_no, s.period_key, s.state) for s in steps_of(member) if s.step_code == "contact"]
    assert contacts == [(1, "2026Q3", StepState.CLOSED), (3, "2026Q3", StepState.PENDING)]


# --- community settings apply to new steps only ------------------------------------------------

def test_plan_setting_applies_to_new_steps_only(world):
    first = opened(world, Category.DIRECT)
    wf.set_plan_setting(secretary(world), world.a.community.id, Category.DIRECT, "assign",
                        post="网格党建指导员", days=3)
    wf.set_plan_setting(secretary(world), world.a.community.id, Category.DIRECT, "org_life",
                        responsible_role=Role.STAFF)
    second = opened(world, Category.DIRECT)

    old, new = step(first, "assign"), step(second, "assign")
    assert (old.post, old.due_on, old.time_limit_text) == ("社区党建工作站", TODAY + D(7), "登记后7日内")
    assert (new.post, new.due_on, new.time_limit_text, new.limit_days) == (
        "网格党建指导员", TODAY + D(3), "登记后3日内", 3)
    assert step(first, "org_life", "2026Q3").responsible_role == Role.BRANCH_SECRETARY
    assert step(second, "org_life", "2026Q3").responsible_role == Role.STAFF
    # the next instance of an old plan's recurring step follows the setting in force when it is created
    made = wf.apply(step(first, "org_life", "2026Q3"), "complete", staff(world), TODAY)
    assert made[0].responsible_role == Role.STAFF
    eff = wf.effective_def(world.a.community.id, Category.DIRECT, "assign")
    assert (eff.post, eff.limit.days) == ("网格党建指导员", 3)
    # the other community keeps the default
    assert wf.effective_def(world.b.community.id, Category.DIRECT, "assign").limit.days == 7


def test_plan_setting_is_audited_and_updated_in_place(world):
    cid = world.a.community.id
    s = wf.set_plan_setting(secretary(world), cid, Category.TAKEOVER, "documents", days=5)
    wf.set_plan_setting(secretary(world), cid, Category.TAKEOVER, "documents", days=8)
    rows = [(r.action, r.field, r.old_value, r.new_value) for r in audit_rows("plan_setting", s.id)]
    assert rows == [("create", "", "", ""), ("update", "days", "", "5"), ("update", "days", "5", "8")]


@pytest.mark.parametrize(
    ("code", "kw", "message"),
    [
        ("org_life", {"days": 10}, "周期性步骤"),
        ("assign", {"days": -1}, "0到365"),
        ("assign", {"responsible_role": Role.LIAISON}, "责任人只能是"),
        ("nothing", {"days": 3}, "没有此步骤"),
        ("assign", {"post": "岗" * 51}, "不能超过50个字"),
    ],
)
def test_plan_setting_bad_input(world, code, kw, message):
    with pytest.raises(DomainError, match=message):
        wf.set_plan_setting(secretary(world), world.a.community.id, Category.DIRECT, code, **kw)


def test_plan_setting_letter_days_capped_and_user_of_other_community_refused(world):
    cid = world.a.community.id
    with pytest.raises(DomainError, match="最长3个月"):
        wf.set_plan_setting(secretary(world), cid, Category.TAKEOVER, "transfer_in", days=91)
    with pytest.raises(DomainError, match="本社区"):
        wf.set_plan_setting(secretary(world), cid, Category.TAKEOVER, "transfer_in",
                            responsible_user_id=world.b.users[Role.STAFF].id)


# --- category data ------------------------------------------------------------------------------

def takeover_data(**kw):
    data = {
        "reason": TakeoverReason.LAID_OFF, "origin_org": "嘉峪关市某厂党委", "letter_number": "嘉组转字〔2026〕18号",
        "letter_issuer": "嘉峪关市某厂党委", "letter_issued_on": TODAY - D(5), "letter_valid_days": 30,
    }
    data.update(kw)
    return data


def test_takeover_letter_sets_transfer_in_due(world):
    member = new_member(world, Category.TAKEOVER)
    wf.save_category_info(member, takeover_data(), staff(world), TODAY)
    wf.open_plan(member, staff(world), TODAY)
    assert step(member, "transfer_in").due_on == TODAY + D(25)


def test_expired_letter_refused_without_override(world):
    member = new_member(world, Category.TAKEOVER)
    data = takeover_data(letter_issued_on=TODAY - D(40), letter_valid_days=30)
    with pytest.raises(DomainError) as err:
        wf.save_category_info(member, data, staff(world), TODAY)
    assert err.value.field == "letter_expiry_override"
    assert "介绍信已于2026-07-31过期" in err.value.message
    with pytest.raises(DomainError, match="逾期受理须填写理由"):
        wf.save_category_info(member, {**data, "letter_expiry_override": True}, staff(world), TODAY)
    assert db.session.scalar(select(TakeoverInfo).where(TakeoverInfo.member_id == member.id)) is None


def test_expired_letter_accepted_with_override_and_recorded(world):
    member = opened(world, Category.TAKEOVER)
    assert step(member, "transfer_in").due_on == TODAY + D(30)
    data = takeover_data(letter_issued_on=TODAY - D(40), letter_valid_days=30, letter_expiry_override=True,
                         letter_override_reason="本人住院，经区委组织部同意逾期受理")
    info = wf.save_category_info(member, data, secretary(world), TODAY)
    assert info.letter_expiry_override is True
    rows = audit_rows("takeover_info", info.id, "override")
    assert [(r.field, r.new_value, r.user_id, r.community_id) for r in rows] == [
        ("letter_expiry_override", "本人住院，经区委组织部同意逾期受理", secretary(world).id, world.a.community.id)
    ]
    # an overdue letter accepted by override is to be handled at once
    transfer = step(member, "transfer_in")
    assert transfer.due_on == TODAY
    assert audit_rows("supervision_step", transfer.id, "update")[0].field == "due_on"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"letter_valid_days": 91}, "letter_valid_days", "最长3个月"),
        ({"letter_valid_days": 0}, "letter_valid_days", "1至90日"),
        ({"letter_issued_on": TODAY + D(1)}, "letter_issued_on", "不能晚于今天"),
        ({"letter_issued_on": date(1980, 1, 1)}, "letter_issued_on", "不能早于入党日期"),
        ({"letter_number": ""}, "letter_number", "介绍信编号"),
        ({"origin_org": ""}, "origin_org", "原组织"),
        ({"reason": "retired"}, "reason", "接管原因只能是"),
        ({"letter_expiry_override": True, "letter_override_reason": "多余"}, "letter_expiry_override", "无需逾期受理"),
        ({"origin_org": "单" * 101}, "origin_org", "不能超过100个字"),
    ],
)
def test_takeover_data_bad_input(world, changes, field, message):
    member = new_member(world, Category.TAKEOVER)
    with pytest.raises(DomainError, match=message) as err:
        wf.save_category_info(member, takeover_data(**changes), staff(world), TODAY)
    assert err.value.field == field


def test_takeover_without_letter_yet_is_accepted(world):
    member = new_member(world, Category.TAKEOVER)
    info = wf.save_category_info(member, {"reason": "graduate", "origin_org": "兰州大学党委"}, staff(world), TODAY)
    assert info.reason == TakeoverReason.GRADUATE and info.letter_issued_on is None
    assert [r.action for r in audit_rows("takeover_info", info.id)] == ["create"]


def test_category_data_must_fit_the_category(world):
    direct = world.a.member
    with pytest.raises(DomainError, match="直管党员没有类别信息"):
        wf.save_category_info(direct, {"former_employer": "酒钢"}, staff(world), TODAY)
    assisted = world.a.other_member
    with pytest.raises(DomainError, match="无法识别的字段"):
        wf.save_category_info(assisted, takeover_data(), staff(world), TODAY)
    with pytest.raises(DomainError, match="该党员是协管党员，不能填写接管信息"):
        wf.validate_category_info(assisted, TakeoverInfo(**takeover_data()), TODAY)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"contact_person": "王科长", "contact_phone": "13909370002"}, "former_employer"),
        ({"former_employer": "酒钢集团", "contact_phone": "13909370002"}, "contact_person"),
        ({"former_employer": "酒钢集团", "contact_person": "王科长", "contact_phone": "12345"}, "contact_phone"),
    ],
)
def test_dual_data_bad_input(world, data, field):
    member = new_member(world, Category.DUAL)
    with pytest.raises(DomainError) as err:
        wf.save_category_info(member, data, staff(world), TODAY)
    assert err.value.field == field


def test_dual_data_saved_and_edits_audited_by_field(world):
    member = new_member(world, Category.DUAL)
    data = {"former_employer": "酒钢集团", "former_party_org": "酒钢集团党委", "contact_person": "王科长",
            "contact_phone": "0937-6221234"}
    info = wf.save_category_info(member, data, staff(world), TODAY)
    wf.save_category_info(member, {"contact_phone": "13909370002"}, staff(world), TODAY,
                          expected_version=info.version)
    rows = [(r.action, r.field, r.old_value, r.new_value) for r in audit_rows("dual_info", info.id)]
    assert rows == [("create", "", "", ""), ("update", "contact_phone", "0937-6221234", "13909370002")]
    with pytest.raises(StaleEdit):
        wf.save_category_info(member, {"contact_person": "李"}, staff(world), TODAY, expected_version=1)
    assert info.contact_person == "王科长"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"employer": ""}, "employer"),
        ({"employer_party_org": ""}, "employer_party_org"),
        ({"reported_on": None}, "reported_on"),
        ({"reported_on": TODAY + D(1)}, "reported_on"),
        ({"reported_on": date(1980, 1, 1)}, "reported_on"),
    ],
)
def test_assisted_data_bad_input(world, changes, field):
    data = {"employer": "市第一中学", "employer_party_org": "市第一中学党总支", "reported_on": TODAY,
            "skills": "书法", "claimed_posts": "文明劝导岗"}
    data.update(changes)
    with pytest.raises(DomainError) as err:
        wf.save_category_info(world.a.other_member, data, staff(world), TODAY)
    assert err.value.field == field


# --- the assisted yearly evaluation -----------------------------------------------------------

def _assisted(world):
    member = world.a.other_member
    wf.open_plan(member, staff(world), TODAY)
    return member


@pytest.mark.parametrize("outcome", ["优秀", "合格"])
def test_evaluation_pass_needs_service_record_in_the_year(world, outcome):
    member = _assisted(world)
    evaluation = step(member, "evaluation", "2026")
    with pytest.raises(DomainError, match="2026年没有已完成的服务记录，不能评为合格及以上") as err:
        wf.apply(evaluation, "complete", secretary(world), TODAY, outcome=outcome)
    assert err.value.field == "outcome"
    assert evaluation.state == StepState.PENDING
    wf.apply(step(member, "service_record", "2026H2"), "complete", staff(world), TODAY, hours=3.5)
    wf.apply(evaluation, "complete", secretary(world), TODAY, outcome=outcome)
    assert evaluation.state == StepState.DONE and evaluation.outcome == outcome


@pytest.mark.parametrize("outcome", ["基本合格", "不合格"])
def test_evaluation_low_outcomes_allowed_without_service(world, outcome):
    evaluation = step(_assisted(world), "evaluation", "2026")
    wf.apply(evaluation, "complete", secretary(world), TODAY, note=f"{outcome}：全年未参加服务")
    assert evaluation.outcome == outcome


def test_evaluation_needs_an_outcome(world):
    evaluation = step(_assisted(world), "evaluation", "2026")
    with pytest.raises(DomainError, match="请填写评价结果"):
        wf.apply(evaluation, "complete", secretary(world), TODAY, note="表现不错")
    assert evaluation.state == StepState.PENDING


def test_service_in_another_year_does_not_count(world):
    member = _assisted(world)
    record = step(member, "service_record", "2026H2")
    wf.apply(record, "complete", staff(world), TODAY, hours=2)
    evaluation_2027 = step(member, "evaluation", "2026")
    wf.apply(evaluation_2027, "complete", secretary(world), TODAY, outcome="不合格")
    nxt = step(member, "evaluation", "2027")
    with pytest.raises(DomainError, match="2027年没有已完成的服务记录"):
        wf.apply(nxt, "complete", secretary(world), date(2027, 3, 1), outcome="合格")


def test_service_record_needs_hours(world):
    record = step(_assisted(world), "service_record", "2026H2")
    with pytest.raises(DomainError, match="服务时长") as err:
        wf.apply(record, "complete", staff(world), TODAY, note="参加了活动")
    assert err.value.field == "hours"


def test_feedback_follows_the_evaluation(world):
    member = _assisted(world)
    wf.apply(step(member, "service_record", "2026H2"), "complete", staff(world), TODAY, hours=6)
    made = wf.apply(step(member, "evaluation", "2026"), "complete", secretary(world), date(2026, 12, 20),
                    note="优秀，服务时长全社区第一")
    feedback = [s for s in made if s.step_code == "feedback"][0]
    assert (feedback.period_key, feedback.due_on, feedback.time_limit_text) == (
        "2026", date(2027, 1, 4), "年度评价完成后15日内")
    assert wf.is_overdue(feedback, date(2027, 1, 5))


@pytest.mark.parametrize(
    ("note", "outcome"),
    [("优秀", "优秀"), ("合格，继续保持", "合格"), ("基本合格", "基本合格"), ("不合格", "不合格"), ("很好", "")],
)
def test_parse_outcome(note, outcome):
    assert wf.parse_outcome(note) == outcome


@pytest.mark.parametrize(
    ("key", "bounds", "following", "label"),
    [
        ("2026Q1", (date(2026, 1, 1), date(2026, 3, 31)), "2026Q2", "2026年第一季度"),
        ("2026Q4", (date(2026, 10, 1), date(2026, 12, 31)), "2027Q1", "2026年第四季度"),
        ("2026H1", (date(2026, 1, 1), date(2026, 6, 30)), "2026H2", "2026年上半年"),
        ("2026H2", (date(2026, 7, 1), date(2026, 12, 31)), "2027H1", "2026年下半年"),
        ("2026", (date(2026, 1, 1), date(2026, 12, 31)), "2027", "2026年度"),
    ],
)
def test_periods(key, bounds, following, label):
    assert wf.period_bounds(key) == bounds
    assert wf.next_period_key(key) == following
    assert wf.period_label(key) == label


def test_letter_valid_at_transfer_in_stays_acceptable_on_later_edits(world):
    """The letter is checked against the day the relationship came in, not against every later edit."""
    member = new_member(world, Category.TAKEOVER)
    issued = TODAY - D(5)
    wf.save_category_info(member, takeover_data(letter_issued_on=issued, letter_valid_days=10), staff(world), TODAY)
    wf.open_plan(member, staff(world), TODAY)
    transfer = step(member, "transfer_in")
    transfer.state = StepState.DONE
    transfer.done_at = datetime.combine(TODAY, datetime.min.time())
    db.session.flush()
    later = TODAY + D(200)
    info = wf.save_category_info(member, takeover_data(letter_issued_on=issued, letter_valid_days=10,
                                                       origin_org="嘉峪关市某厂党总支"), staff(world), later)
    assert info.origin_org == "嘉峪关市某厂党总支"
    assert info.letter_expiry_override is False
