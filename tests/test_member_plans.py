"""The member pages drive the supervision plan: registering opens it, leaving closes it,
a category change on the edit form swaps it, and the member page shows it with its history."""
from datetime import date

from sqlalchemy import select

from partyorg.domain import workflow as wf
from partyorg.extensions import db
from partyorg.models import Category, Member, Role, StepState, SupervisionStep

from .conftest import text
from .member_helpers import member_form


def steps_of(member, state=None):
    stmt = select(SupervisionStep).where(SupervisionStep.member_id == member.id)
    if state:
        stmt = stmt.where(SupervisionStep.state == state)
    return db.session.scalars(stmt).all()


def test_registering_a_member_opens_his_plan(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    cid = world.a.community.id
    r = client.post(f"/c/{cid}/members/new", data=member_form(world.a, name="赵开明"))
    assert r.status_code == 302
    m = db.session.scalar(select(Member).where(Member.name == "赵开明"))
    pending = steps_of(m, StepState.PENDING)
    assert pending and all(s.category == m.category for s in pending)
    page = text(client.get(f"/c/{cid}/members/{m.id}"))
    assert pending[0].task in page


def test_leaving_closes_the_plan(client, auth, world):
    m = world.a.member
    wf.open_plan(m, None, date.today())
    db.session.commit()
    auth.login(world.a.users[Role.STAFF])
    r = client.post(f"/c/{world.a.community.id}/members/{m.id}/status",
                    data={"status": "transferred_out", "status_on": "2026-01-15",
                          "status_reason": "嘉组转字〔2026〕3号，转往新华社区", "version": str(m.version)})
    assert r.status_code == 302
    assert not steps_of(m, StepState.PENDING)
    assert all(s.closed_reason.startswith("已转出") for s in steps_of(m, StepState.CLOSED))


def test_category_change_on_the_edit_form_swaps_the_plan(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    cid = world.a.community.id
    client.post(f"/c/{cid}/members/new", data=member_form(world.a, name="钱再就"))
    m = db.session.scalar(select(Member).where(Member.name == "钱再就"))
    old = {s.id for s in steps_of(m, StepState.PENDING)}
    data = member_form(world.a, name="钱再就", id_number=m.id_number, category="assisted", relation_here=None,
                       version=str(m.version))
    r = client.post(f"/c/{cid}/members/{m.id}/edit", data=data)
    assert r.status_code == 302, text(r)
    db.session.refresh(m)
    assert m.category.value == "assisted"
    assert {s.id for s in steps_of(m, StepState.CLOSED)} == old
    assert {s.category for s in steps_of(m, StepState.PENDING)} == {Category.ASSISTED}


def test_completed_step_shows_in_the_member_history(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    cid = world.a.community.id
    client.post(f"/c/{cid}/members/new", data=member_form(world.a, name="孙历史"))
    m = db.session.scalar(select(Member).where(Member.name == "孙历史"))
    step = steps_of(m, StepState.PENDING)[0]
    r = client.post(f"/c/{cid}/steps/{step.id}/complete",
                    data={"note": "已编入1号楼党支部1单元党小组", "version": str(step.version)})
    assert r.status_code == 302, text(r)
    page = text(client.get(f"/c/{cid}/members/{m.id}"))
    assert f"管理步骤：{step.task}" in page
    assert "已编入1号楼党支部1单元党小组" in page


def test_letters_are_offered_for_assisted_members_only(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    cid = world.a.community.id
    assisted = text(client.get(f"/c/{cid}/members/{world.a.other_member.id}"))
    direct = text(client.get(f"/c/{cid}/members/{world.a.member.id}"))
    assert "打印报到回执" in assisted and "反馈函" in assisted
    assert "打印报到回执" not in direct and "打印档案卡" in direct


def test_member_list_filters_members_with_overdue_steps(client, auth, world):
    from datetime import timedelta

    late, on_time = world.a.member, world.a.other_member
    today = date.today()
    wf.open_plan(late, None, today - timedelta(days=60))
    wf.open_plan(on_time, None, today)
    db.session.commit()
    auth.login(world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{world.a.community.id}/members?overdue=1"))
    assert late.name in page and on_time.name not in page
    assert "有逾期步骤" in page
    everyone = text(client.get(f"/c/{world.a.community.id}/members"))
    assert late.name in everyone and on_time.name in everyone
