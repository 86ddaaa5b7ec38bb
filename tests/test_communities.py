"""Communities: the district's list, creation, the overview page, edits of the community and its committee."""
from datetime import date

import pytest
from flask import g
from sqlalchemy import func, select

from partyorg.extensions import db
from partyorg.models import AuditEntry, Community, CommunityClass, CommunityKind, PartyCommittee, Role

from .conftest import text

ALL_ROLES = [Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON]


def login(auth, user):
    """Log in; forget the user cached on `g` (the fixture's app context outlives requests)."""
    g.pop("_login_user", None)
    return auth.login(user)


def user_for(world, who):
    return world.district if who == "district" else world.a.users[who]


def audit_rows(entity, entity_id, action=None):
    stmt = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.session.scalars(stmt).all()


def community_form(**kw):
    data = {"name": "祁连", "kind": "urban", "grade": "second", "address": "祁连路8号"}
    data.update(kw)
    return data


# --- who may open which page -----------------------------------------------------------

@pytest.mark.parametrize("path", ["/communities", "/communities/new", "/c/{cid}", "/c/{cid}/edit", "/c/{cid}/committee/edit"])
def test_anonymous_goes_to_login(client, world, path):
    r = client.get(path.format(cid=world.a.community.id))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("who,status", [("district", 200)] + [(role, 403) for role in ALL_ROLES])
def test_list_and_new_only_for_district(client, auth, world, who, status):
    login(auth, user_for(world, who))
    assert client.get("/communities").status_code == status
    assert client.get("/communities/new").status_code == status


@pytest.mark.parametrize("who,status", [
    ("district", 200), (Role.SECRETARY, 200), (Role.STAFF, 200), (Role.BRANCH_SECRETARY, 403), (Role.LIAISON, 403),
])
def test_overview_by_role(client, auth, world, who, status):
    login(auth, user_for(world, who))
    r = client.get(f"/c/{world.a.community.id}")
    assert r.status_code == status
    if status == 200:
        page = text(r)
        assert "昌盛社区党委" in page and "委员人数" in page and "5 至 9 人" in page
        assert "楼宇党支部" in page


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.STAFF])
def test_overview_of_other_community_is_forbidden(client, auth, world, role):
    login(auth, world.a.users[role])
    assert client.get(f"/c/{world.b.community.id}").status_code == 403
    assert client.get(f"/c/{world.b.community.id}/edit").status_code == 403
    assert client.get(f"/c/{world.b.community.id}/committee/edit").status_code == 403


def test_district_sees_unknown_community_as_not_found(client, auth, world):
    login(auth, world.district)
    assert client.get("/c/999").status_code == 404


@pytest.mark.parametrize("who,status", [
    ("district", 200), (Role.SECRETARY, 200), (Role.STAFF, 403), (Role.BRANCH_SECRETARY, 403), (Role.LIAISON, 403),
])
def test_edit_page_by_role(client, auth, world, who, status):
    login(auth, user_for(world, who))
    assert client.get(f"/c/{world.a.community.id}/edit").status_code == status


@pytest.mark.parametrize("who,status", [
    ("district", 403), (Role.SECRETARY, 200), (Role.STAFF, 403), (Role.BRANCH_SECRETARY, 403), (Role.LIAISON, 403),
])
def test_committee_edit_only_for_secretary(client, auth, world, who, status):
    login(auth, user_for(world, who))
    assert client.get(f"/c/{world.a.community.id}/committee/edit").status_code == status


def test_buttons_follow_permissions(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.STAFF])
    page = text(client.get(f"/c/{cid}"))
    assert "编辑社区信息" not in page and "编辑党委信息" not in page
    login(auth, world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{cid}"))
    assert "编辑社区信息" in page and "编辑党委信息" in page
    login(auth, world.district)
    page = text(client.get(f"/c/{cid}"))
    assert "编辑社区信息" in page and "编辑党委信息" not in page


# --- the district's list and new communities -------------------------------------------

def test_list_shows_kind_class_and_counts(client, auth, world):
    login(auth, world.district)
    page = text(client.get("/communities"))
    assert "昌盛" in page and "新华" in page
    assert "城市社区" in page and "一类" in page
    assert "1 个" in page and "2 人" in page


def test_list_paginates(app, client, auth, world):
    app.config["PER_PAGE"] = 1
    login(auth, world.district)
    page = text(client.get("/communities?page=2"))
    assert "新华" in page and "昌盛" not in page
    assert "第 2 / 2 页" in page


def test_create_community_with_committee(client, auth, world):
    login(auth, world.district)
    r = client.post("/communities/new", data=community_form(kind="rural"), follow_redirects=True)
    assert r.status_code == 200
    assert "已新建社区“祁连”" in text(r)
    c = db.session.scalar(select(Community).where(Community.name == "祁连"))
    assert c.kind == CommunityKind.RURAL and c.grade == CommunityClass.SECOND and c.address == "祁连路8号"
    assert c.committee.name == "祁连社区党委"
    assert audit_rows("community", c.id, "create")[0].community_id == c.id
    assert audit_rows("party_committee", c.committee.id, "create")


def test_duplicate_community_name_refused(client, auth, world):
    login(auth, world.district)
    before = db.session.scalar(select(func.count(Community.id)))
    r = client.post("/communities/new", data=community_form(name=" 昌盛 "))
    assert r.status_code == 200
    assert "已有名为“昌盛”的社区" in text(r)
    assert db.session.scalar(select(func.count(Community.id))) == before


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "请填写社区名称"),
    ("name", "长" * 51, "社区名称不能超过50个字"),
    ("address", "址" * 201, "地址不能超过200个字"),
])
def test_bad_community_input(client, auth, world, field, value, message):
    login(auth, world.district)
    r = client.post("/communities/new", data=community_form(**{field: value}))
    assert r.status_code == 200 and message in text(r)
    assert db.session.scalar(select(func.count(Community.id))) == 2


def test_script_in_name_shown_as_text(client, auth, world):
    login(auth, world.district)
    client.post("/communities/new", data=community_form(name="<script>x</script>"))
    page = text(client.get("/communities"))
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page


# --- editing the community ------------------------------------------------------------

def edit_form(community, **kw):
    data = {"name": community.name, "kind": community.kind.value, "grade": community.grade.value,
            "address": community.address, "note": community.note, "version": community.version}
    data.update(kw)
    return data


def test_secretary_edits_community(client, auth, world):
    c = world.a.community
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{c.id}/edit", data=edit_form(c, grade="second", address="新华路1号", note="六个网格"))
    assert r.status_code == 302
    db.session.refresh(c)
    assert c.grade == CommunityClass.SECOND and c.address == "新华路1号"
    fields = {row.field for row in audit_rows("community", c.id, "update")}
    assert fields == {"grade", "address", "note"}


def test_rename_renames_default_committee(client, auth, world):
    c = world.a.community
    login(auth, world.district)
    assert client.post(f"/c/{c.id}/edit", data=edit_form(c, name="昌盛东")).status_code == 302
    db.session.refresh(c)
    assert c.name == "昌盛东" and c.committee.name == "昌盛东社区党委"


def test_rename_to_existing_name_refused(client, auth, world):
    c = world.a.community
    login(auth, world.district)
    r = client.post(f"/c/{c.id}/edit", data=edit_form(c, name="新华"))
    assert r.status_code == 200 and "已有名为“新华”的社区" in text(r)
    db.session.refresh(c)
    assert c.name == "昌盛"


def test_stale_community_edit_refused(client, auth, world):
    c = world.a.community
    old_version = c.version
    login(auth, world.a.users[Role.SECRETARY])
    assert client.post(f"/c/{c.id}/edit", data=edit_form(c, address="第一次")).status_code == 302
    r = client.post(f"/c/{c.id}/edit", data=edit_form(c, address="第二次", version=old_version))
    assert r.status_code == 200 and "已被他人修改" in text(r)
    db.session.refresh(c)
    assert c.address == "第一次"


def test_staff_cannot_post_community_edit(client, auth, world):
    c = world.a.community
    login(auth, world.a.users[Role.STAFF])
    assert client.post(f"/c/{c.id}/edit", data=edit_form(c, address="x")).status_code == 403
    db.session.refresh(c)
    assert c.address == ""


# --- editing the committee record ---------------------------------------------------------

def committee_form(committee, **kw):
    data = {"name": committee.name, "founded_on": "2012-07-01", "term_start": "2024-01-01",
            "term_end": "2028-12-31", "min_size": 7, "max_size": 15, "version": committee.version}
    data.update(kw)
    return data


def committee_of(world) -> PartyCommittee:
    return world.a.community.committee


def test_secretary_edits_committee(client, auth, world):
    committee = committee_of(world)
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/committee/edit", data=committee_form(committee), follow_redirects=True)
    assert "社区党委信息已保存" in text(r) and "7 至 15 人" in text(r) and "2024-01-01 至 2028-12-31" in text(r)
    db.session.refresh(committee)
    assert committee.founded_on == date(2012, 7, 1) and committee.max_size == 15
    rows = audit_rows("party_committee", committee.id, "update")
    assert {row.field for row in rows} == {"founded_on", "term_start", "term_end", "min_size", "max_size"}
    assert all(row.community_id == world.a.community.id for row in rows)


@pytest.mark.parametrize("changes,message", [
    ({"term_end": "2023-12-31"}, "届期结束日期必须晚于开始日期"),
    ({"term_end": "2024-01-01"}, "届期结束日期必须晚于开始日期"),
    ({"min_size": 0}, "委员最少人数至少为1人"),
    ({"max_size": 51}, "委员最多人数不能超过50人"),
    ({"min_size": 10, "max_size": 9}, "委员最少人数不能大于最多人数"),
    ({"min_size": ""}, "请填写委员最少人数"),
    ({"name": "委" * 101}, "党委名称不能超过100个字"),
    ({"founded_on": "2999-01-01"}, "成立日期不能晚于今天"),
])
def test_bad_committee_input(client, auth, world, changes, message):
    committee = committee_of(world)
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/committee/edit", data=committee_form(committee, **changes))
    assert r.status_code == 200 and message in text(r)
    db.session.refresh(committee)
    assert committee.min_size == 5 and committee.max_size == 9 and committee.term_start is None
    assert not audit_rows("party_committee", committee.id, "update")


def test_committee_edges_accepted(client, auth, world):
    committee = committee_of(world)
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/committee/edit", data=committee_form(committee, min_size=1, max_size=50))
    assert r.status_code == 302
    r = client.post(f"/c/{world.a.community.id}/committee/edit",
                    data=committee_form(committee, min_size=50, max_size=50, version=committee.version))
    assert r.status_code == 302


def test_stale_committee_edit_refused(client, auth, world):
    committee = committee_of(world)
    old_version = committee.version
    login(auth, world.a.users[Role.SECRETARY])
    assert client.post(f"/c/{world.a.community.id}/committee/edit", data=committee_form(committee)).status_code == 302
    r = client.post(f"/c/{world.a.community.id}/committee/edit",
                    data=committee_form(committee, max_size=20, version=old_version))
    assert "已被他人修改" in text(r)
    db.session.refresh(committee)
    assert committee.max_size == 15


def test_committee_name_escaped(client, auth, world):
    committee = committee_of(world)
    login(auth, world.a.users[Role.SECRETARY])
    client.post(f"/c/{world.a.community.id}/committee/edit", data=committee_form(committee, name="<script>党委</script>"))
    page = text(client.get(f"/c/{world.a.community.id}"))
    assert "&lt;script&gt;党委&lt;/script&gt;" in page and "<script>党委" not in page
