"""The demo data: what `flask --app partyorg seed-demo` loads, and that it loads only once."""
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from partyorg.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from partyorg.domain import committee as seats_rules
from partyorg.domain import stats
from partyorg.domain import workflow as wf
from partyorg.domain.idnumber import check_consistent, parse
from partyorg.extensions import db
from partyorg.models import (
    ActivityKind,
    ActivityState,
    AttachMode,
    Branch,
    BranchKind,
    Building,
    Category,
    CobuildingAgreement,
    CobuildingProject,
    CommitteeSeat,
    Community,
    CommunityKind,
    CommunityNeed,
    Grid,
    GridOfficer,
    JointActivity,
    JointActivityAttachment,
    Member,
    MemberType,
    PartyCommittee,
    PartyGroup,
    ResidentUnit,
    ResourceKind,
    ResourceState,
    Role,
    SeatPost,
    SeatTerm,
    StairUnit,
    StepState,
    SupervisionStep,
    TakeoverInfo,
    UnitResource,
    User,
)

from .conftest import _deserialize, _serialize

TABLES = (Community, PartyCommittee, Grid, GridOfficer, Building, StairUnit, Branch, PartyGroup, ResidentUnit,
          Member, User, SupervisionStep, CommitteeSeat, SeatTerm, CobuildingAgreement, UnitResource, CommunityNeed,
          CobuildingProject, JointActivity, JointActivityAttachment)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def changsheng() -> Community:
    return db.session.scalar(select(Community).where(Community.name == "昌盛"))


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    """The demo's activity photos go to the test's own folder, not the instance folder."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


#: The seeded database and its uploaded photos, built once per test session (seeding takes ~2 s).
_SEEDED: dict = {}


@pytest.fixture
def seeded(app, upload_folder):
    if not _SEEDED:
        assert seed_demo() is True
        _SEEDED["db"] = _serialize()
        _SEEDED["files"] = {p.name: p.read_bytes() for p in upload_folder.iterdir() if p.is_file()}
    else:
        _deserialize(_SEEDED["db"])
        upload_folder.mkdir(parents=True, exist_ok=True)
        for name, data in _SEEDED["files"].items():
            (upload_folder / name).write_bytes(data)
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


def test_seeding_twice_changes_nothing(seeded, upload_folder):
    before = {m.__name__: count(m) for m in TABLES}
    files = sorted(p.name for p in upload_folder.iterdir())
    assert seed_demo() is False
    assert {m.__name__: count(m) for m in TABLES} == before
    assert sorted(p.name for p in upload_folder.iterdir()) == files


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


# --- the big party committee, co-building and joint activities (issue 4) --------------------

def login(client, username):
    r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302, username


def current_terms(community) -> dict[CommitteeSeat, SeatTerm]:
    today = date.today()
    return {seat: seat.term_on(today) for seat in seats_rules.seats(community.id) if seat.term_on(today)}


def test_big_party_committee(seeded):
    terms = current_terms(seeded)
    low, high = seats_rules.size_limits(seeded.id)
    assert low <= len(terms) <= high
    assert seats_rules.size_on(seeded.id, date.today()) == len(terms)
    posts = Counter(seat.post for seat in terms)
    assert posts[SeatPost.SECRETARY] == 1 and posts[SeatPost.DEPUTY] == 1 and 2 <= posts[SeatPost.MEMBER] <= 3
    assert 3 <= posts[SeatPost.CONCURRENT_DEPUTY] + posts[SeatPost.CONCURRENT_MEMBER] <= 4
    for seat, term in terms.items():
        assert abs((term.end_on - term.start_on).days - 3 * 365) <= 2  # three-year terms
        if seat.post.concurrent:
            assert term.member_id is None and term.holder_name and term.holder_org and term.holder_post
            assert term.resident_unit.agreement_in_force(date.today())
            assert term.holder_org == term.resident_unit.party_org_name
        else:
            assert term.member is not None and term.member.community_id == seeded.id and term.resident_unit_id is None
    # One secretary at a time; the seat keeps the previous holder's term as history.
    chair = next(seat for seat in terms if seat.post == SeatPost.SECRETARY)
    assert len(chair.terms) == 2 and chair.terms[0].end_on < chair.terms[1].start_on
    assert count(CommitteeSeat, CommitteeSeat.post == SeatPost.SECRETARY) == 1
    secretary = db.session.scalar(select(User).where(User.username == "changsheng_secretary"))
    assert secretary.display_name == terms[chair].holder
    assert {t.resident_unit.name for s, t in terms.items() if s.post.concurrent} >= {"嘉峪关市第一中学"}


def test_an_expiring_term_and_agreement_show_on_the_home_page(seeded, client):
    soon = seats_rules.expiring(seeded.id, date.today())
    assert len(soon.terms) >= 1 and len(soon.units) >= 1
    assert all(0 <= soon.days_left(t.end_on) <= 60 for t in soon.terms)
    login(client, "changsheng_secretary")
    page = client.get("/").get_data(as_text=True)
    assert "大党委委员任期" in page and "共驻共建协议" in page
    term = soon.terms[0]
    assert term.holder in page and f"{soon.days_left(term.end_on)}天后到期" in page


def test_agreements_resources_needs_and_projects(seeded):
    units = db.session.scalars(select(ResidentUnit).where(ResidentUnit.community_id == seeded.id)).all()
    agreements = {a.resident_unit_id: a for a in db.session.scalars(select(CobuildingAgreement))}
    assert set(agreements) == {u.id for u in units}
    assert all(a.community_signatory and a.unit_signatory and a.signed_on and a.content for a in agreements.values())
    resources = db.session.scalars(select(UnitResource).where(UnitResource.community_id == seeded.id)).all()
    assert {r.resident_unit_id for r in resources} == {u.id for u in units}
    assert {r.kind for r in resources} == set(ResourceKind)
    states = Counter(r.state for r in resources)
    assert states[ResourceState.CONFIRMED] > states[ResourceState.PENDING] >= 1
    needs = db.session.scalars(select(CommunityNeed).where(CommunityNeed.community_id == seeded.id)).all()
    assert len(needs) >= 4 and len({n.status for n in needs}) >= 3
    projects = db.session.scalars(select(CobuildingProject).where(CobuildingProject.community_id == seeded.id)).all()
    assert 3 <= len(projects) <= 4 and len({p.status for p in projects}) >= 3
    for p in projects:
        assert p.resource.resident_unit_id == p.resident_unit_id and p.resource.state == ResourceState.CONFIRMED
        assert p.need is not None
    assert any(p.activities for p in projects)


def test_a_year_of_joint_activities_in_every_state(seeded, upload_folder):
    today = date.today()
    acts = db.session.scalars(select(JointActivity).where(JointActivity.community_id == seeded.id)).all()
    assert 25 <= len(acts) <= 35
    assert {a.kind for a in acts} == set(ActivityKind)
    states = Counter(a.state for a in acts)
    assert set(states) == set(ActivityState)
    assert states[ActivityState.CONFIRMED] > len(acts) / 2
    units = db.session.scalars(select(ResidentUnit).where(ResidentUnit.community_id == seeded.id)).all()
    assert {a.unit_id for a in acts} == {u.id for u in units}
    for a in acts:
        assert today - timedelta(days=366) <= a.held_on <= today
        assert a.participants and a.hours > 0 and a.summary and a.unit in a.units
        assert a.start_time < a.end_time
        if a.state == ActivityState.RETURNED:
            assert a.return_reason
        if a.state == ActivityState.CONFIRMED:
            assert a.reviewed_by is not None and a.submitted_at <= a.reviewed_at
    assert any(a.projects for a in acts)
    assert any(m.category == Category.ASSISTED for a in acts for m in a.participants)
    # Photos were stored through partyorg.uploads and exist on disk.
    photos = db.session.scalars(select(JointActivityAttachment)).all()
    assert 1 <= len(photos) <= 2
    for photo in photos:
        assert photo.mime == "image/png" and (upload_folder / photo.key).read_bytes()[:4] == b"\x89PNG"


def test_confirmed_activities_gave_service_records(seeded):
    steps = db.session.scalars(
        select(SupervisionStep).where(SupervisionStep.evidence.like("联建活动#%"))
    ).all()
    assert steps
    for step in steps:
        activity = db.session.get(JointActivity, int(step.evidence.split("#")[1]))
        assert activity.state == ActivityState.CONFIRMED
        assert step.state == StepState.DONE and step.hours == activity.hours and step.category == Category.ASSISTED
        assert step.member in activity.participants


def test_the_liaisons_unit_has_work_in_every_stage(seeded, client):
    liaison = db.session.scalar(select(User).where(User.username == "changsheng_liaison"))
    mine = db.session.scalars(select(JointActivity).where(JointActivity.unit_id == liaison.resident_unit_id)).all()
    states = Counter(a.state for a in mine)
    assert states[ActivityState.DRAFT] >= 1 and states[ActivityState.RETURNED] >= 1
    assert states[ActivityState.CONFIRMED] >= 3
    returned = next(a for a in mine if a.state == ActivityState.RETURNED)
    login(client, "changsheng_liaison")
    r = client.get("/", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "嘉峪关市第一中学 · 联建活动" in page
    assert "被退回" in page and returned.return_reason in page


def test_this_years_summary_counts_the_school(seeded, client):
    login(client, "changsheng_secretary")
    year = date.today().year
    r = client.get(f"/c/{seeded.id}/activities/summary?year={year}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    row = page.split("<td>嘉峪关市第一中学</td>", 1)[1].split("</tr>", 1)[0]
    times = [int(n) for n in re.findall(r"(\d+) 次", row)]
    assert len(times) == len(ActivityKind) + 1 and times[-1] > 0 and sum(times[:-1]) >= times[-1]
    people = int(re.search(r"(\d+) 人次", row).group(1))
    hours = float(re.search(r"([\d.]+) 小时", row).group(1))
    assert people > 0 and hours > 0


def test_demo_pages_render(seeded, client):
    """The committee, co-building and activity pages open on the demo data, photos with thumbnails."""
    cid = seeded.id
    photo = db.session.scalars(select(JointActivityAttachment)).first()
    project = db.session.scalars(select(CobuildingProject).where(CobuildingProject.community_id == cid)).first()
    seat = db.session.scalars(select(CommitteeSeat).where(CommitteeSeat.community_id == cid)).first()
    login(client, "changsheng_secretary")
    for url in (
        f"/c/{cid}/committee", f"/c/{cid}/committee/seats/{seat.id}", f"/c/{cid}/cobuilding",
        f"/c/{cid}/cobuilding/resources", f"/c/{cid}/cobuilding/needs", f"/c/{cid}/cobuilding/projects",
        f"/c/{cid}/cobuilding/projects/{project.id}", f"/c/{cid}/activities",
        f"/c/{cid}/activities/{photo.activity_id}",
    ):
        assert client.get(url).status_code == 200, url
    r = client.get(f"/c/{cid}/activities/{photo.activity_id}/attachments/{photo.id}/thumbnail")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    client.post("/logout")
    login(client, "district")
    page = client.get(f"/activities/summary?year={date.today().year}").get_data(as_text=True)
    assert "昌盛" in page
