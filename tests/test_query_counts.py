"""A list page costs as many SQL statements at 200 rows as at 20: nothing is loaded row by row.

The lists are filled with 250 rows each by bulk inserts; PER_PAGE is set to 20 and then to 200, and
a listener on the engine counts the statements of one request. No timing is measured here (speed is
bench/web_bench.py's business).
"""
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import event, insert, select

from partyorg.domain import workflow as wf
from partyorg.extensions import db
from partyorg.models import (
    ActivityKind,
    ActivityState,
    Branch,
    BranchKind,
    Category,
    Gender,
    JointActivity,
    Member,
    PartyGroup,
    ResidentUnit,
    Role,
    StepState,
    SupervisionStep,
    UnitKind,
)
from partyorg.models.activity import joint_activity_participant, joint_activity_unit

from . import factories
from .conftest import text

ROWS = 250
BRANCHES = 60
CATEGORIES = list(Category)
ROLES = (Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY)


def _ids(model, rows: list[dict]) -> list[int]:
    db.session.execute(insert(model), rows)
    return list(db.session.scalars(select(model.id).order_by(model.id.desc()).limit(len(rows))))


def add_branches(side) -> list[tuple[int, int]]:
    """BRANCHES more branches with a party group each: (branch id, group id).

    Many distinct branches and groups make a row-by-row load show: a lazy load per row would cost
    20 statements at 20 rows but BRANCHES at 200.
    """
    branch_ids = _ids(Branch, [{"community_id": side.community.id, "name": f"第{n:02d}党支部",
                                "kind": BranchKind.RESIDENTIAL, "version": 1} for n in range(BRANCHES)])
    group_ids = _ids(PartyGroup, [{"branch_id": b, "name": "第一党小组", "version": 1} for b in branch_ids])
    return list(zip(reversed(branch_ids), reversed(group_ids), strict=True))


def add_members(side) -> list[int]:
    """ROWS members spread over many branches and groups (some in none), buildings and categories."""
    places = add_branches(side)
    rows = []
    for n in range(ROWS):
        birth = date(1950, 1, 1) + timedelta(days=37 * n)
        male = n % 2 == 0
        branch, group = places[n % BRANCHES] if n % 10 else (None, None)
        rows.append({
            "community_id": side.community.id, "name": f"成员{n:03d}", "birth_date": birth,
            "gender": Gender.MALE if male else Gender.FEMALE, "id_number": factories.id_number(birth, male),
            "joined_on": birth + timedelta(days=365 * 25), "category": CATEGORIES[n % 4], "branch_id": branch,
            "group_id": group if n % 3 else None,
            "building_id": side.building.id, "stair_unit_id": side.stair_units[n % 2].id,
            "phone": f"139{n:08d}", "version": 1,
        })
    return _ids(Member, rows)


def add_steps(side, member_ids: list[int]) -> None:
    """One pending step per member, overdue or due within the week, under varying responsible people."""
    today = date.today()
    staff, branch_user = side.users[Role.STAFF].id, side.users[Role.BRANCH_SECRETARY].id
    defn = wf.plan(Category.DIRECT)[0]
    rows = []
    for n, mid in enumerate(member_ids):
        role = ROLES[n % 3]
        named = {Role.STAFF: staff, Role.BRANCH_SECRETARY: branch_user}.get(role) if n % 5 == 0 else None
        rows.append({
            "member_id": mid, "community_id": side.community.id, "category": CATEGORIES[n % 4],
            "step_code": defn.code, "task": defn.task, "post": defn.post, "responsible_role": role,
            "responsible_user_id": named, "due_on": today + timedelta(days=n % 14 - 6), "state": StepState.PENDING,
            "version": 1,
        })
    db.session.execute(insert(SupervisionStep), rows)


def add_units(side) -> list[int]:
    rows = [{"community_id": side.community.id, "name": f"驻区单位{n:03d}", "kind": list(UnitKind)[n % len(UnitKind)],
             "agreement_start": date(2025, 1, 1), "agreement_end": date.today() + timedelta(days=n - 30),
             "liaison_name": "联络员", "version": 1} for n in range(ROWS)]
    return _ids(ResidentUnit, rows)


def add_activities(side, unit_ids: list[int], member_ids: list[int]) -> None:
    """Activities of every state, each with a second unit and a few member participants."""
    today = date.today()
    states = list(ActivityState)
    rows = [{
        "community_id": side.community.id, "unit_id": unit_ids[n], "kind": list(ActivityKind)[n % 5],
        "title": f"联建活动{n:03d}", "held_on": today - timedelta(days=n), "start_time": time(9),
        "end_time": time(11), "place": "社区服务中心", "other_count": n % 7, "hours": 2.0,
        "state": states[n % len(states)], "version": 1,
    } for n in range(ROWS)]
    activity_ids = _ids(JointActivity, rows)
    links, people = [], []
    for n, aid in enumerate(sorted(activity_ids)):
        links += [{"activity_id": aid, "unit_id": unit_ids[n]}, {"activity_id": aid, "unit_id": unit_ids[n - 1]}]
        people += [{"activity_id": aid, "member_id": member_ids[(n + k) % ROWS]} for k in range(n % 4 + 1)]
    db.session.execute(insert(joint_activity_unit), links)
    db.session.execute(insert(joint_activity_participant), people)


@pytest.fixture
def crowded(world):
    """World's 昌盛 with ROWS more members (each with a due step), resident units and activities."""
    side = world.a
    member_ids = add_members(side)
    add_steps(side, member_ids)
    add_activities(side, add_units(side), member_ids)
    db.session.commit()
    return side


def statements_and_rows(app, client, url: str, per_page: int, row_link: str) -> tuple[int, int]:
    """(SQL statements, distinct rows linked as `row_link`) of one GET at `per_page` rows a page."""
    app.config["PER_PAGE"] = per_page
    # The test's app context outlives requests: start from an empty session, as a server's request does.
    db.session.remove()
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), len(set(re.findall(row_link, text(response))))


PAGES = {
    # page: (path, what a row links to)
    "members": ("/c/{cid}/members", r'href="/c/{cid}/members/(\d+)"'),
    "members filtered": ("/c/{cid}/members?q=成员", r'href="/c/{cid}/members/(\d+)"'),
    "todo": ("/c/{cid}/todo", r'href="/c/{cid}/steps/(\d+)/complete'),
    "todo by branch": ("/c/{cid}/todo?by=branch", r'href="/c/{cid}/steps/(\d+)/complete'),
    "units": ("/c/{cid}/units", r'href="/c/{cid}/units/(\d+)"'),
    "activities": ("/c/{cid}/activities", r'href="/c/{cid}/activities/(\d+)"'),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_statements_do_not_grow_with_the_rows_shown(app, client, auth, crowded, page):
    cid = crowded.community.id
    path, row_link = (p.format(cid=cid) for p in PAGES[page])
    auth.login(crowded.users[Role.SECRETARY])
    client.get(path)  # the to-do page makes this period's recurring steps once per process
    few = statements_and_rows(app, client, path, 20, row_link)
    many = statements_and_rows(app, client, path, 200, row_link)
    assert (few[1], many[1]) == (20, 200)
    assert few[0] == many[0], f"{page}: {few[0]} statements at 20 rows, {many[0]} at 200"


def test_activity_list_shows_head_counts(client, auth, crowded):
    """The head count comes from a count query now: members taking part plus the others."""
    auth.login(crowded.users[Role.SECRETARY])
    newest = db.session.scalar(select(JointActivity).where(JointActivity.title == "联建活动000"))
    expected = len(newest.participants) + newest.other_count
    body = text(client.get(f"/c/{crowded.community.id}/activities"))
    row = body[body.index(f"/activities/{newest.id}\""):]
    row = row[:row.index("</tr>")]
    assert f"{expected} 人" in row
