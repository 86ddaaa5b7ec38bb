"""The supervision pages: to-do lists, acting on steps, category data and change, plan settings."""
from datetime import date, timedelta
from itertools import count

import pytest
from flask import render_template_string
from sqlalchemy import event, func, select

from partyorg.blueprints.supervision.views import plan_context
from partyorg.domain import stats
from partyorg.domain import workflow as wf
from partyorg.domain.idnumber import make_number
from partyorg.extensions import db
from partyorg.models import (
    AuditEntry,
    Category,
    DualInfo,
    Member,
    PlanSetting,
    Role,
    StepState,
    SupervisionStep,
    TakeoverInfo,
)

from . import factories
from .conftest import text
from .supervision_helpers import open_plan, pending_step

TODAY = date.today()


def secretary(world):
    return world.a.users[Role.SECRETARY]


def staff(world):
    return world.a.users[Role.STAFF]


_numbers = count()


def new_member(world, category=Category.DIRECT, side=None, **kw):
    side = side or world.a
    kw.setdefault("branch_id", side.branch.id)
    # Our own ID numbers (another area code), so these tests do not use up the factories' sequence.
    n = next(_numbers)
    kw.setdefault("id_number", make_number("620201", date(1962, 3, 8) + timedelta(days=n // 500), n % 500 * 2 + 1))
    member = factories.member(side.community, category=category, **kw)
    open_plan(side, member)
    return member


def due(step, days: int):
    """Move the step's due date to today + days (negative: overdue)."""
    step.due_on = TODAY + timedelta(days=days)
    db.session.commit()
    return step


def audit_actions(step):
    return [a.action for a in db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "supervision_step", AuditEntry.entity_id == step.id)
        .order_by(AuditEntry.id)
    )]


def todo_url(world):
    return f"/c/{world.a.community.id}/todo"


def step_url(step, action="complete"):
    return f"/c/{step.community_id}/steps/{step.id}/{action}"


# --- who sees the to-do lists ----------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.SECRETARY, Role.STAFF])
def test_office_sees_community_todo(client, auth, world, role):
    member = new_member(world, name="赵逾期")
    due(pending_step(member, "assign"), -3)
    auth.login(world.a.users[role])
    r = client.get(todo_url(world))
    assert r.status_code == 200
    page = text(r)
    assert "赵逾期" in page and "编入党支部和党小组" in page and "逾期3天" in page
    assert "text-bg-danger" in page
    assert "办理" in page and "免办" in page


def test_district_reads_community_todo_without_buttons(client, auth, world):
    member = new_member(world, name="赵逾期")
    due(pending_step(member, "assign"), -3)
    auth.login(world.district)
    page = text(client.get(todo_url(world)))
    assert "赵逾期" in page
    assert "/complete" not in page


@pytest.mark.parametrize("role", [Role.BRANCH_SECRETARY, Role.LIAISON])
def test_others_may_not_open_community_todo(client, auth, world, role):
    auth.login(world.a.users[role])
    assert client.get(todo_url(world)).status_code == 403


def test_other_community_todo_refused(client, auth, world):
    auth.login(secretary(world))
    assert client.get(f"/c/{world.b.community.id}/todo").status_code == 403


def test_anonymous_goes_to_login(client, world):
    r = client.get(todo_url(world))
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get("/todo").status_code == 302


def test_liaison_has_no_own_todo(client, auth, world):
    auth.login(world.a.users[Role.LIAISON])
    assert client.get("/todo").status_code == 403
    auth.login(world.district)
    assert client.get("/todo").status_code == 403


def test_todo_window_is_overdue_and_seven_days(client, auth, world):
    late = new_member(world, name="甲逾期")
    soon = new_member(world, name="乙将到")
    later = new_member(world, name="丙不急")
    due(pending_step(late, "assign"), -1)
    due(pending_step(soon, "assign"), 7)
    due(pending_step(later, "assign"), 8)
    auth.login(staff(world))
    page = text(client.get(todo_url(world)))
    assert "甲逾期" in page and "逾期1天" in page
    assert "乙将到" in page and "7天后到期" in page
    assert "丙不急" not in page
    assert stats.todo_counts(world.a.community.id, TODAY) == {"overdue": 1, "due_soon": 1}


def test_todo_grouped_by_responsible_or_by_branch(client, auth, world):
    member = new_member(world, name="钱某")
    other = new_member(world, name="孙某", branch_id=world.a.functional.id)
    due(pending_step(member, "org_life"), 2)
    due(pending_step(other, "assign"), 2)
    auth.login(secretary(world))
    page = text(client.get(todo_url(world)))
    assert "1号楼党支部书记" in page and "社区工作人员" in page
    page = text(client.get(todo_url(world) + "?by=branch"))
    assert ">1号楼党支部 <" in page and ">便民服务党支部 <" in page


def test_branch_secretary_sees_only_own_branch_steps(client, auth, world):
    mine = new_member(world, name="本支部党员")
    other = new_member(world, name="外支部党员", branch_id=world.a.functional.id)
    for m in (mine, other):
        due(pending_step(m, "org_life"), 3)
    auth.login(world.a.users[Role.BRANCH_SECRETARY])
    page = text(client.get("/todo"))
    assert "本支部党员" in page and "外支部党员" not in page
    # And the step page of the other branch's member is closed to him.
    assert client.get(step_url(pending_step(other, "org_life"))).status_code == 403
    assert client.get(step_url(pending_step(mine, "org_life"))).status_code == 200


def test_my_todo_lists_steps_of_my_role_and_all_on_request(client, auth, world):
    member = new_member(world, Category.TAKEOVER, name="接管甲")
    auth.login(secretary(world))
    # transfer_in (the secretary's) is due in 30 days: outside the window, inside "all".
    assert "接管甲" not in text(client.get("/todo"))
    page = text(client.get("/todo?all=1"))
    assert "组织关系转入" in page and "接管登记" not in page
    auth.login(staff(world))
    page = text(client.get("/todo"))
    assert "接管登记" in page and "组织关系转入" not in page
    assert member.name in page


def test_step_named_to_a_person_is_on_his_list(client, auth, world):
    member = new_member(world, name="指定党员")
    step = pending_step(member, "assign")
    step.responsible_user_id = secretary(world).id
    db.session.commit()
    auth.login(secretary(world))
    assert "指定党员" in text(client.get("/todo"))
    auth.login(staff(world))
    assert "指定党员" not in text(client.get("/todo"))


# --- acting on steps ------------------------------------------------------------------------

def test_complete_from_todo_leaves_the_list(client, auth, world):
    member = new_member(world, Category.TAKEOVER, name="逾期接管")
    step = due(pending_step(member, "registration"), -5)
    auth.login(staff(world))
    page = text(client.get(todo_url(world)))
    assert "逾期接管" in page and "逾期5天" in page and "<td>接管登记</td>" in page
    page = text(client.get(step_url(step) + f"?next={todo_url(world)}"))
    assert "定标准" in page and "确认办理" in page and "确认免办" in page
    r = client.post(step_url(step) + f"?next={todo_url(world)}",
                    data={"version": step.version, "note": "已登记接管原因", "evidence": "登记表第12号"})
    assert r.status_code == 302 and r.headers["Location"].endswith(todo_url(world))
    db.session.refresh(step)
    assert step.state == StepState.DONE and step.note == "已登记接管原因" and step.done_by_id == staff(world).id
    assert audit_actions(step)[:2] == ["create", "status"]
    page = text(client.get(todo_url(world)))
    assert "已办理：逾期接管 · 接管登记" in page
    assert "逾期5天" not in page and "<td>接管登记</td>" not in page


def test_next_must_be_on_this_site(client, auth, world):
    member = new_member(world)
    step = pending_step(member, "assign")
    auth.login(staff(world))
    r = client.post(step_url(step) + "?next=https://evil.example/x", data={"version": step.version})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]


def test_waive_needs_a_reason(client, auth, world):
    member = new_member(world)
    step = pending_step(member, "assign")
    auth.login(secretary(world))
    r = client.post(step_url(step, "waive"), data={"version": step.version, "reason": "  "})
    assert r.status_code == 200 and "免办须填写理由" in text(r)
    db.session.refresh(step)
    assert step.state == StepState.PENDING and audit_actions(step) == ["create"]


def test_waive_with_reason(client, auth, world):
    member = new_member(world)
    step = pending_step(member, "assign")
    auth.login(secretary(world))
    r = client.post(step_url(step, "waive"), data={"version": step.version, "reason": "已随原支部整体编入"})
    assert r.status_code == 302
    db.session.refresh(step)
    assert step.state == StepState.WAIVED and step.waive_reason == "已随原支部整体编入"
    assert "status" in audit_actions(step)


def test_branch_secretary_may_not_waive(client, auth, world):
    member = new_member(world)
    step = pending_step(member, "org_life")
    auth.login(world.a.users[Role.BRANCH_SECRETARY])
    assert client.post(step_url(step, "waive"), data={"version": step.version, "reason": "x"}).status_code == 403
    page = text(client.get(step_url(step)))
    assert "确认办理" in page and "确认免办" not in page


def test_completing_twice_is_refused(client, auth, world):
    member = new_member(world)
    step = pending_step(member, "assign")
    auth.login(staff(world))
    version = step.version
    assert client.post(step_url(step), data={"version": version, "note": "第一次"}).status_code == 302
    db.session.refresh(step)
    r = client.post(step_url(step), data={"version": step.version, "note": "第二次"})
    assert r.status_code == 200 and "不能重复办理" in text(r)
    db.session.refresh(step)
    assert step.note == "第一次"


def test_stale_version_is_refused(client, auth, world):
    member = new_member(world)
    step = pending_step(member, "assign")
    old = step.version
    step.standard = step.standard + "（已调整）"  # someone else saved meanwhile
    db.session.commit()
    auth.login(staff(world))
    r = client.post(step_url(step), data={"version": old, "note": "晚到的办理"})
    assert r.status_code == 200 and "已被他人修改" in text(r)
    db.session.refresh(step)
    assert step.state == StepState.PENDING and step.note == ""


def test_appraisal_needs_an_outcome(client, auth, world):
    member = new_member(world)
    step = pending_step(member, "appraisal")
    auth.login(staff(world))
    assert "评价结果" in text(client.get(step_url(step)))
    r = client.post(step_url(step), data={"version": step.version, "note": "已评议"})
    assert r.status_code == 200 and "请填写评价结果" in text(r)
    r = client.post(step_url(step), data={"version": step.version, "outcome": "优秀", "note": "已评议"})
    assert r.status_code == 302
    db.session.refresh(step)
    assert step.outcome == "优秀"


def test_service_record_needs_hours(client, auth, world):
    member = new_member(world, Category.ASSISTED)
    step = pending_step(member, "service_record")
    auth.login(staff(world))
    r = client.post(step_url(step), data={"version": step.version, "hours": "abc"})
    assert r.status_code == 200 and "请填写数字" in text(r)
    r = client.post(step_url(step), data={"version": step.version, "hours": ""})
    assert "请填写服务时长" in text(r)
    assert client.post(step_url(step), data={"version": step.version, "hours": "2.5"}).status_code == 302
    db.session.refresh(step)
    assert step.hours == 2.5


def test_step_of_other_community_is_not_found_here(client, auth, world):
    member = new_member(world, side=world.b)
    step = pending_step(member, "assign")
    auth.login(staff(world))
    assert client.get(f"/c/{world.a.community.id}/steps/{step.id}/complete").status_code == 404


def test_note_is_escaped(client, auth, world, app):
    member = new_member(world)
    step = pending_step(member, "assign")
    auth.login(staff(world))
    client.post(step_url(step), data={"version": step.version, "note": "<script>alert(1)</script>"})
    page = text(client.get(step_url(step)))
    assert "&lt;script&gt;" in page and "<script>alert" not in page


# --- the partial for the member page ----------------------------------------------------

def test_plan_partial_draws_five_fixed_items(app, world):
    member = new_member(world, Category.TAKEOVER, name="部分模板")
    step = due(pending_step(member, "registration"), -2)
    wf.apply(step, wf.COMPLETE, staff(world), TODAY, note="<b>已登记</b>")
    db.session.commit()
    due(pending_step(member, "documents"), -1)
    with app.test_request_context(f"/c/{member.community_id}/members/{member.id}"):
        ctx = plan_context(member, staff(world), TODAY)
        html = render_template_string('{% include "supervision/_plan.html" %}', **ctx)
    assert "第1期 · 接管管理计划" in html
    assert "社区党建工作站" in html and "登记后10日内" in html and "审核组织关系介绍信和档案材料" in html
    assert "已办" in html and "&lt;b&gt;已登记" in html and staff(world).display_name in html
    assert "逾期1天" in html and "待办" in html
    assert "类别信息与类别变更" in html
    assert ctx["actions"][pending_step(member, "documents").id] == ["complete", "waive"]


def test_plan_partial_offers_to_open_a_plan(client, auth, app, world):
    member = world.a.member
    with app.test_request_context("/"):
        html = render_template_string('{% include "supervision/_plan.html" %}',
                                      **plan_context(member, staff(world), TODAY))
    assert "开启管理计划" in html
    auth.login(staff(world))
    r = client.post(f"/c/{world.a.community.id}/members/{member.id}/plan/open")
    assert r.status_code == 302
    assert pending_step(member, "assign") is not None


# --- category data ---------------------------------------------------------------------

def info_url(member):
    return f"/c/{member.community_id}/members/{member.id}/category-info"


TAKEOVER_FORM = {
    "reason": "laid_off", "origin_org": "酒钢集团某分厂党支部", "letter_number": "甘组介2026-015",
    "letter_issuer": "酒钢集团党委组织部", "letter_valid_days": "30",
}


def test_expired_letter_needs_override(client, auth, world):
    member = new_member(world, Category.TAKEOVER)
    auth.login(staff(world))
    issued = (TODAY - timedelta(days=60)).isoformat()
    r = client.post(info_url(member), data={**TAKEOVER_FORM, "letter_issued_on": issued})
    assert r.status_code == 200 and "过期" in text(r) and "逾期受理" in text(r)
    assert db.session.scalar(select(func.count()).select_from(TakeoverInfo)) == 0
    r = client.post(info_url(member), data={**TAKEOVER_FORM, "letter_issued_on": issued,
                                            "letter_expiry_override": "y"})
    assert "逾期受理须填写理由" in text(r)
    r = client.post(info_url(member), data={**TAKEOVER_FORM, "letter_issued_on": issued,
                                            "letter_expiry_override": "y",
                                            "letter_override_reason": "本人住院，经组织部同意延期受理"})
    assert r.status_code == 302
    info = db.session.scalar(select(TakeoverInfo).where(TakeoverInfo.member_id == member.id))
    assert info.letter_expiry_override and info.origin_org == "酒钢集团某分厂党支部"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "takeover_info", AuditEntry.action == "override")) == 1


def test_dual_info_validated_and_stale_edit_refused(client, auth, world):
    member = new_member(world, Category.DUAL)
    auth.login(staff(world))
    data = {"former_employer": "酒钢集团", "former_party_org": "酒钢集团离退休党委", "contact_person": "王科长",
            "contact_phone": "12345"}
    r = client.post(info_url(member), data=data)
    assert r.status_code == 200 and "联系电话格式不正确" in text(r)
    assert client.post(info_url(member), data={**data, "contact_phone": "13909371234"}).status_code == 302
    info = db.session.scalar(select(DualInfo).where(DualInfo.member_id == member.id))
    old = info.version
    assert client.post(info_url(member), data={**data, "contact_phone": "13909375678",
                                               "version": old}).status_code == 302
    r = client.post(info_url(member), data={**data, "contact_person": "李科长", "version": old})
    assert "已被他人修改" in text(r)
    db.session.refresh(info)
    assert info.contact_person == "王科长" and info.contact_phone == "13909375678"


def test_direct_member_has_no_category_data(client, auth, world):
    auth.login(staff(world))
    page = text(client.get(info_url(world.a.member)))
    assert "没有需要另行填写的类别信息" in page and "变更管理类别" in page


def test_category_change_closes_old_plan_and_opens_new(client, auth, world):
    member = new_member(world, Category.TAKEOVER, name="再就业者")
    old_steps = {s.id for s in db.session.scalars(select(SupervisionStep).where(SupervisionStep.member_id == member.id))}
    auth.login(staff(world))
    url = f"/c/{member.community_id}/members/{member.id}/category"
    r = client.post(url, data={"category": "assisted", "reason": "", "version": member.version})
    assert r.status_code == 200 and "请填写类别变更原因" in text(r)
    r = client.post(url, data={"category": "assisted", "reason": "已在酒钢再就业", "version": member.version})
    assert r.status_code == 302
    db.session.refresh(member)
    assert member.category == Category.ASSISTED
    steps = list(db.session.scalars(select(SupervisionStep).where(SupervisionStep.member_id == member.id)))
    assert all(s.state == StepState.CLOSED and "已在酒钢再就业" in s.closed_reason for s in steps if s.id in old_steps)
    new = [s for s in steps if s.id not in old_steps]
    assert new and all(s.plan_no == 2 and s.category == Category.ASSISTED and s.state == StepState.PENDING
                       for s in new)


def test_category_change_stale_refused(client, auth, world):
    member = new_member(world, Category.TAKEOVER)
    old = member.version
    member.room = "502"
    db.session.commit()
    auth.login(staff(world))
    r = client.post(f"/c/{member.community_id}/members/{member.id}/category",
                    data={"category": "assisted", "reason": "再就业", "version": old})
    assert "已被他人修改" in text(r)
    db.session.refresh(member)
    assert member.category == Category.TAKEOVER


def test_branch_secretary_may_not_edit_category_data(client, auth, world):
    auth.login(world.a.users[Role.BRANCH_SECRETARY])
    assert client.get(info_url(world.a.member)).status_code == 403


# --- plan settings ----------------------------------------------------------------------

def test_plan_settings_apply_to_new_steps_only(client, auth, world):
    before = new_member(world, Category.TAKEOVER)
    old_due = pending_step(before, "documents").due_on
    auth.login(secretary(world))
    page = text(client.get(f"/c/{world.a.community.id}/plan-settings"))
    assert "只对此后新建的步骤生效" in page and "审核组织关系介绍信和档案材料" in page
    r = client.post(f"/c/{world.a.community.id}/plan-settings", data={
        "row": "takeover-documents", "takeover-documents-post": "社区组织委员",
        "takeover-documents-responsible_role": "secretary", "takeover-documents-responsible_user_id": "0",
        "takeover-documents-days": "5",
    })
    assert r.status_code == 302
    setting = db.session.scalar(select(PlanSetting).where(PlanSetting.step_code == "documents"))
    assert setting.days == 5 and setting.post == "社区组织委员" and setting.responsible_role == Role.SECRETARY
    assert pending_step(before, "documents").due_on == old_due
    after = new_member(world, Category.TAKEOVER)
    step = pending_step(after, "documents")
    assert step.due_on == TODAY + timedelta(days=5) and step.post == "社区组织委员"
    assert step.responsible_role == Role.SECRETARY


def test_plan_settings_bad_input(client, auth, world):
    auth.login(secretary(world))
    r = client.post(f"/c/{world.a.community.id}/plan-settings", data={
        "row": "takeover-transfer_in", "takeover-transfer_in-days": "120",
        "takeover-transfer_in-responsible_user_id": "0"})
    assert r.status_code == 200 and "最长3个月" in text(r)
    r = client.post(f"/c/{world.a.community.id}/plan-settings", data={
        "row": "direct-assign", "direct-assign-responsible_user_id": str(world.a.users[Role.LIAISON].id)})
    assert r.status_code == 200 and "联络员不能担任步骤责任人" in text(r)
    assert db.session.scalar(select(func.count()).select_from(PlanSetting)) == 0


def test_plan_settings_secretary_only(client, auth, world):
    auth.login(staff(world))
    assert client.get(f"/c/{world.a.community.id}/plan-settings").status_code == 403


# --- bounded queries, counts, the command -------------------------------------------------

def count_queries(client, url) -> int:
    seen = []
    db.session.commit()  # the test shares the session with the app: start each count from a cold one

    def listener(*_args, **_kw):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


@pytest.mark.parametrize("path", ["community", "mine", "branch"])
def test_todo_queries_do_not_grow_with_rows(app, client, auth, world, path):
    app.config["PER_PAGE"] = 100
    urls = {"community": todo_url(world), "mine": "/todo", "branch": todo_url(world) + "?by=branch"}

    def add(n):
        for _ in range(n):
            member = new_member(world)
            due(pending_step(member, "assign"), -1)

    add(5)
    auth.login(staff(world))
    client.get(urls[path])  # the first load of the quarter refreshes recurring steps
    few = count_queries(client, urls[path])
    add(45)
    many = count_queries(client, urls[path])
    assert many == few
    assert text(client.get(urls[path])).count("逾期1天") == 50


def test_workflow_refresh_command(runner, world):
    member = new_member(world)
    # Pretend the quarter's instance was never made: the command makes it again.
    step = pending_step(member, "org_life")
    db.session.delete(step)
    db.session.commit()
    result = runner.invoke(args=["workflow-refresh"])
    assert result.exit_code == 0 and "共新建周期性步骤 1 项" in result.output
    assert pending_step(member, "org_life") is not None
    result = runner.invoke(args=["workflow-refresh", "--community", "不存在"])
    assert result.exit_code != 0 and "找不到社区" in result.output


def test_members_who_left_are_not_on_the_list(client, auth, world):
    member = new_member(world, name="已转出者")
    due(pending_step(member, "assign"), -2)
    db.session.get(Member, member.id).status = "transferred_out"
    db.session.commit()
    auth.login(staff(world))
    assert "已转出者" not in text(client.get(todo_url(world)))
