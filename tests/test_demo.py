"""The demo data: what `flask --app partyorg seed-demo` loads, and that it loads only once."""
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from partyorg.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from partyorg.domain import stats
from partyorg.domain import workflow as wf
from partyorg.domain.idnumber import check_consistent, parse
from partyorg.extensions import db
from partyorg.models import (
    AttachMode,
    Branch,
    BranchKind,
    Building,
    Category,
    Community,
    CommunityKind,
    Grid,
    GridOfficer,
    Member,
    MemberType,
    PartyCommittee,
    PartyGroup,
    ResidentUnit,
    Role,
    StairUnit,
    StepState,
    SupervisionStep,
    TakeoverInfo,
    User,
)

TABLES = (Community, PartyCommittee, Grid, GridOfficer, Building, StairUnit, Branch, PartyGroup, ResidentUnit,
          Member, User, SupervisionStep)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def changsheng() -> Community:
    return db.session.scalar(select(Community).where(Community.name == "昌盛"))


@pytest.fixture
def seeded(app):
    assert seed_demo() is True
    return changsheng()


def test_six_communities_with_committees(seeded):
    kinds = dict(db.session.execute(select(Community.name, Community.kind)).all())
    assert kinds == {
        "新华": CommunityKind.URBAN, "祁连": CommunityKind.URBAN, "昌盛": CommunityKind.URBAN,
        "黄草营": CommunityKind.RURAL, "石桥": CommunityKind.RURAL, "安远沟": CommunityKind.RURAL,
    }
    assert count(PartyCommittee) == 6
    assert seeded.committee.name == "昌盛社区党委"


def test_changsheng_grids_and_officers(seeded):
    grids = db.session.scalars(select(Grid).where(Grid.community_id == seeded.id)).all()
    assert sorted(g.name for g in grids) == sorted(["第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格"])
    assert count(GridOfficer, GridOfficer.grid_id.in_([g.id for g in grids])) == 52
    phones = db.session.scalars(select(GridOfficer.phone)).all()
    assert all(len(p) == 11 and p[0] == "1" and p[1] in "3456789" for p in phones)
    buildings = db.session.scalars(select(Building).where(Building.community_id == seeded.id)).all()
    assert len(buildings) == 12
    assert all(b.grid_id and 2 <= len(b.stair_units) <= 4 for b in buildings)


def test_changsheng_resident_units(seeded):
    units = db.session.scalars(select(ResidentUnit).where(ResidentUnit.community_id == seeded.id)).all()
    assert len(units) >= 8
    assert len({u.kind for u in units}) >= 6
    assert all(uscc.is_valid(u.credit_code) for u in units)
    assert len({u.credit_code for u in units}) == len(units)
    assert all(u.party_org_name and u.liaison_name and u.liaison_phone for u in units)
    today = date.today()
    assert any(today <= u.agreement_end <= date.fromordinal(today.toordinal() + 60) for u in units)
    assert any(u.agreement_end < today for u in units)
    assert "嘉峪关市第一中学" in {u.name for u in units}


def test_changsheng_branch_kinds(seeded):
    branches = db.session.scalars(select(Branch).where(Branch.community_id == seeded.id)).all()
    kinds = Counter(b.kind for b in branches)
    assert kinds[BranchKind.BUILDING] >= 1 and 2 <= kinds[BranchKind.RESIDENTIAL] <= 3
    assert {b.subtype for b in branches if b.kind == BranchKind.FUNCTIONAL} == {"便民服务型", "维稳保障型"}
    assert {b.mode for b in branches if b.kind == BranchKind.ATTACHED} == {AttachMode.MARKET, AttachMode.ASSOCIATION}
    assert "雄关农贸市场党支部" in {b.name for b in branches}


def test_building_branch_has_a_group_per_stair_unit(seeded):
    branches = db.session.scalars(
        select(Branch).where(Branch.community_id == seeded.id, Branch.kind == BranchKind.BUILDING)
    ).all()
    assert "1号楼党支部" in {b.name for b in branches}
    for branch in branches:
        units = branch.building.stair_units
        assert sorted(g.stair_unit_id for g in branch.groups) == sorted(u.id for u in units)
        assert {g.name for g in branch.groups} == {f"{u.name}党小组" for u in units}


def test_building_branch_members_sit_in_their_stair_unit_group(seeded):
    groups = db.session.scalars(select(PartyGroup).join(Branch).where(Branch.community_id == seeded.id)).all()
    for group in groups:
        members = db.session.scalars(select(Member).where(Member.group_id == group.id)).all()
        assert all(m.branch_id == group.branch_id and m.stair_unit_id == group.stair_unit_id for m in members)


def test_changsheng_members(seeded):
    members = db.session.scalars(select(Member).where(Member.community_id == seeded.id)).all()
    assert 280 <= len(members) <= 320
    categories = Counter(m.category for m in members)
    assert set(categories) == set(Category)
    assert categories[Category.DIRECT] > categories[Category.DUAL] > categories[Category.ASSISTED] \
        > categories[Category.TAKEOVER]
    assert 1 <= sum(m.member_type == MemberType.PROBATIONARY for m in members) <= 15
    assert all(m.branch_id for m in members)
    assert all(not m.relation_here for m in members if m.category == Category.ASSISTED)
    assert all(m.relation_here for m in members if m.category in (Category.DIRECT, Category.TAKEOVER))
    assert Counter(m.ethnicity for m in members).most_common(1)[0][0] == "汉族"


def test_every_member_record_is_consistent(seeded):
    members = db.session.scalars(select(Member)).all()
    today = date.today()
    assert len({m.id_number for m in members}) == len(members)
    legacy = 0
    for m in members:
        parsed = parse(m.id_number)
        check_consistent(parsed, m.birth_date, m.gender.value)
        assert parsed.legacy == m.id_legacy
        legacy += m.id_legacy
        assert m.joined_on >= m.birth_date.replace(year=m.birth_date.year + 18) or (
            m.birth_date.month == 2 and m.birth_date.day == 29
        )
        if m.member_type == MemberType.PROBATIONARY:
            assert m.full_on is None and (today - m.joined_on).days <= 366
        else:
            assert m.full_on and m.full_on >= m.joined_on
    assert 3 <= legacy <= 15
    assert all(m.birth_date.year < 1940 for m in members if m.id_legacy)


def test_other_communities_are_smaller(seeded):
    for c in db.session.scalars(select(Community).where(Community.id != seeded.id)):
        assert count(Grid, Grid.community_id == c.id) >= 2
        assert count(Branch, Branch.community_id == c.id) == 2
        assert 1 <= count(ResidentUnit, ResidentUnit.community_id == c.id) <= 2
        assert 10 <= count(Member, Member.community_id == c.id) <= 30


def test_demo_accounts_and_scopes(seeded):
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert set(users) == {username for username, _label, _hint in DEMO_LOGINS}
    branch_user = users["changsheng_branch"]
    assert branch_user.role == Role.BRANCH_SECRETARY and branch_user.branch.name == "1号楼党支部"
    secretary = branch_user.branch.secretary
    assert secretary is not None and secretary.branch_id == branch_user.branch_id
    assert users["changsheng_liaison"].resident_unit.name == "嘉峪关市第一中学"
    assert users["xinhua_secretary"].community.name == "新华"
    assert users["district"].community_id is None


def test_seeding_twice_changes_nothing(seeded):
    before = {m.__name__: count(m) for m in TABLES}
    assert seed_demo() is False
    assert {m.__name__: count(m) for m in TABLES} == before


def test_same_people_every_run(app):
    seed_demo()
    first = db.session.execute(select(Member.name, Member.id_number).order_by(Member.id)).all()
    db.session.execute(Branch.__table__.update().values(secretary_id=None))
    db.session.execute(PartyGroup.__table__.update().values(leader_id=None))
    db.session.commit()
    db.drop_all()
    db.create_all()
    assert seed_demo() is True
    assert db.session.execute(select(Member.name, Member.id_number).order_by(Member.id)).all() == first


def test_every_demo_login_works(seeded, client):
    for username, _label, _hint in DEMO_LOGINS:
        r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert r.status_code == 302, username
        client.post("/logout")


def test_cli_loads_once(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "已载入示范数据" in result.output
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "示范数据已存在" in result.output
    assert count(Community) == 6


# --- supervision plans (issue 3): every member of 昌盛 at some stage of his plan ----------------

def plan_steps(community) -> dict[int, list[SupervisionStep]]:
    out: dict[int, list[SupervisionStep]] = {}
    rows = db.session.scalars(
        select(SupervisionStep).where(SupervisionStep.community_id == community.id)
        .order_by(SupervisionStep.member_id, SupervisionStep.seq, SupervisionStep.period_key)
    )
    for step in rows:
        out.setdefault(step.member_id, []).append(step)
    return out


def test_every_changsheng_member_has_an_open_plan(seeded):
    members = db.session.scalars(select(Member).where(Member.community_id == seeded.id)).all()
    steps = plan_steps(seeded)
    assert set(steps) == {m.id for m in members}
    for m in members:
        mine = steps[m.id]
        assert {s.category for s in mine} == {m.category} and {s.plan_no for s in mine} == {1}
        assert any(s.state == StepState.PENDING for s in mine)
    # Only 昌盛 has plans.
    assert count(SupervisionStep, SupervisionStep.community_id != seeded.id) == 0


@pytest.mark.parametrize("category", list(Category))
def test_members_at_every_stage_of_every_plan(seeded, category):
    one_offs = [d.code for d in wf.plan(category) if not d.recurring and not d.follows]
    stages = Counter()
    for steps in plan_steps(seeded).values():
        if steps[0].category != category:
            continue
        pending = [s.step_code for s in steps if s.state == StepState.PENDING and s.step_code in one_offs]
        stages[pending[0] if pending else "all done"] += 1
        done = [s for s in steps if s.state == StepState.DONE]
        assert all(s.done_by_id and s.done_at and s.note for s in done)
        # Earlier one-off steps are done before later ones.
        states = [s.state for s in steps if s.step_code in one_offs]
        assert states == sorted(states, key=lambda st: st != StepState.DONE)
    assert set(stages) == set(one_offs) | {"all done"}
    assert stages["all done"] > max(n for code, n in stages.items() if code != "all done")


def test_recurring_steps_and_the_feedback_letter(seeded):
    steps = [s for ss in plan_steps(seeded).values() for s in ss]
    feedback = [s for s in steps if s.step_code == "feedback"]
    assert {s.state for s in feedback} == {StepState.DONE, StepState.PENDING}
    assert all(s.outcome for s in steps if s.step_code in ("evaluation", "appraisal") and s.state == StepState.DONE)
    assert all(s.hours for s in steps if s.step_code == "service_record" and s.state == StepState.DONE)
    today = date.today()
    # This period's instance of every recurring step exists: refreshing adds nothing.
    assert wf.refresh_recurring(db.session, seeded.id, today) == []
    assert all(s.due_on >= today for s in steps if s.period_key and s.state == StepState.PENDING
               and s.step_code != "feedback" and s.step_code != "org_life")


def test_demo_to_do_list_is_realistic(seeded):
    counts = stats.todo_counts(seeded.id, date.today())
    assert 12 <= counts["overdue"] <= 20
    assert 8 <= counts["due_soon"] <= 16
    todo = db.session.scalars(wf.community_todo(seeded.id, date.today())).all()
    assert {s.category for s in todo} == set(Category)


def test_category_data_matches_the_members(seeded):
    today = date.today()
    members = db.session.scalars(select(Member).where(Member.community_id == seeded.id)).all()
    for m in members:
        info = wf.category_info(m)
        if m.category == Category.DIRECT:
            assert info is None
            continue
        assert info is not None, m.name
        if isinstance(info, TakeoverInfo):
            assert info.reason and info.letter_number and info.letter_valid_days in (10, 30)
        else:
            wf.validate_category_info(m, info, today)


def test_demo_steps_can_be_acted_on(seeded):
    secretary = db.session.scalar(select(User).where(User.username == "changsheng_secretary"))
    today = date.today()
    overdue = db.session.scalars(wf.community_todo(seeded.id, today)).all()
    step = next(s for s in overdue if s.category == Category.TAKEOVER and wf.is_overdue(s, today))
    assert wf.allowed_actions(step, secretary, today) == ["complete", "waive"]
    wf.apply(step, wf.COMPLETE, secretary, today, note="已办")
    db.session.commit()
    assert step.state == StepState.DONE
