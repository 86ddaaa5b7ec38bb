"""Grids, grid officers, buildings and stairwell units."""
import pytest
from flask import g
from sqlalchemy import func, select

from partyorg.extensions import db
from partyorg.models import AuditEntry, Building, Grid, GridOfficer, Role, StairUnit

from .conftest import text
from .factories import member


def login(auth, user):
    """Log in; forget the user cached on `g` (the fixture's app context outlives requests)."""
    g.pop("_login_user", None)
    return auth.login(user)


def user_for(world, who):
    return world.district if who == "district" else world.a.users[who]


def audit_rows(entity, action=None, entity_id=None):
    stmt = select(AuditEntry).where(AuditEntry.entity == entity)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    return db.session.scalars(stmt).all()


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def view_paths(side):
    cid, gid, bid = side.community.id, side.grid.id, side.building.id
    return [f"/c/{cid}/grids", f"/c/{cid}/grids/{gid}", f"/c/{cid}/buildings", f"/c/{cid}/buildings/{bid}"]


def manage_paths(side):
    cid, gid, bid = side.community.id, side.grid.id, side.building.id
    return [f"/c/{cid}/grids/new", f"/c/{cid}/grids/{gid}/edit", f"/c/{cid}/grids/{gid}/officers/new",
            f"/c/{cid}/buildings/new", f"/c/{cid}/buildings/{bid}/edit"]


# --- who may open which page -----------------------------------------------------------

def test_anonymous_goes_to_login(client, world):
    for path in view_paths(world.a) + manage_paths(world.a):
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path


@pytest.mark.parametrize("who,view,manage", [
    ("district", 200, 403), (Role.SECRETARY, 200, 200), (Role.STAFF, 200, 403),
    (Role.BRANCH_SECRETARY, 403, 403), (Role.LIAISON, 403, 403),
])
def test_pages_by_role(client, auth, world, who, view, manage):
    login(auth, user_for(world, who))
    for path in view_paths(world.a):
        assert client.get(path).status_code == view, path
    for path in manage_paths(world.a):
        assert client.get(path).status_code == manage, path


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.STAFF])
def test_other_community_is_forbidden(client, auth, world, role):
    login(auth, world.a.users[role])
    for path in view_paths(world.b) + manage_paths(world.b):
        assert client.get(path).status_code == 403, path


def test_record_of_other_community_is_not_found(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.SECRETARY])
    for path in [f"/c/{cid}/grids/{world.b.grid.id}", f"/c/{cid}/grids/{world.b.grid.id}/edit",
                 f"/c/{cid}/buildings/{world.b.building.id}", f"/c/{cid}/buildings/{world.b.building.id}/edit"]:
        assert client.get(path).status_code == 404, path
    officer = world.b.grid.officers[0]
    r = client.post(f"/c/{cid}/grids/{world.a.grid.id}/officers/{officer.id}/remove")
    assert r.status_code == 404
    assert db.session.get(GridOfficer, officer.id) is not None


def test_buttons_follow_permissions(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.STAFF])
    assert "新建网格" not in text(client.get(f"/c/{cid}/grids"))
    page = text(client.get(f"/c/{cid}/grids/{world.a.grid.id}"))
    assert "添加信息员" not in page and "移出" not in page and "编辑网格" not in page
    page = text(client.get(f"/c/{cid}/buildings/{world.a.building.id}"))
    assert "新增单元" not in page and "编辑楼栋" not in page
    login(auth, world.a.users[Role.SECRETARY])
    assert "新建网格" in text(client.get(f"/c/{cid}/grids"))
    page = text(client.get(f"/c/{cid}/grids/{world.a.grid.id}"))
    assert "添加信息员" in page and "移出" in page and "编辑网格" in page
    assert "新增单元" in text(client.get(f"/c/{cid}/buildings/{world.a.building.id}"))


# --- grids -----------------------------------------------------------------------------

def test_grid_list_shows_counts(client, auth, world):
    login(auth, world.a.users[Role.STAFF])
    page = text(client.get(f"/c/{world.a.community.id}/grids"))
    assert "第一网格" in page and "1 人" in page and "1 栋" in page


def test_grid_page_shows_officers_and_buildings(client, auth, world):
    login(auth, world.a.users[Role.STAFF])
    page = text(client.get(f"/c/{world.a.community.id}/grids/{world.a.grid.id}"))
    assert "王网格" in page and "13900000001" in page and "1号楼" in page


def test_district_sees_officer_phones_masked(client, auth, world):
    login(auth, world.district)
    page = text(client.get(f"/c/{world.a.community.id}/grids/{world.a.grid.id}"))
    assert "王网格" in page and "139****0001" in page and "13900000001" not in page


def test_create_grid(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{cid}/grids/new", data={"name": " 第二网格 ", "area": "兰新路以东"}, follow_redirects=True)
    assert "已新建网格“第二网格”" in text(r)
    grid = db.session.scalar(select(Grid).where(Grid.community_id == cid, Grid.name == "第二网格"))
    assert grid.area == "兰新路以东"
    assert audit_rows("grid", "create", grid.id)[0].community_id == cid


def test_grid_names_unique_per_community_only(client, auth, world):
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/grids/new", data={"name": "第一网格"})
    assert r.status_code == 200 and "本社区已有名为“第一网格”的网格" in text(r)
    assert count(Grid, Grid.community_id == world.a.community.id) == 1
    # 新华 has its own 第一网格 already: the same name in another community is fine.
    assert count(Grid, Grid.name == "第一网格") == 2
    r = client.post(f"/c/{world.a.community.id}/grids/new", data={"name": "第二网格"})
    assert r.status_code == 302


@pytest.mark.parametrize("data,message", [
    ({"name": ""}, "请填写网格名称"),
    ({"name": "格" * 51}, "网格名称不能超过50个字"),
    ({"name": "第二网格", "area": "区" * 201}, "范围不能超过200个字"),
])
def test_bad_grid_input(client, auth, world, data, message):
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/grids/new", data=data)
    assert r.status_code == 200 and message in text(r)
    assert count(Grid) == 2 and not audit_rows("grid")


def test_staff_cannot_create_grid(client, auth, world):
    login(auth, world.a.users[Role.STAFF])
    assert client.post(f"/c/{world.a.community.id}/grids/new", data={"name": "第二网格"}).status_code == 403
    assert count(Grid) == 2


def test_edit_grid_and_stale_edit(client, auth, world):
    grid = world.a.grid
    cid, old_version = world.a.community.id, grid.version
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{cid}/grids/{grid.id}/edit", data={"name": "一网格", "area": "东区", "version": old_version})
    assert r.status_code == 302
    rows = audit_rows("grid", "update", grid.id)
    assert {(row.field, row.old_value, row.new_value) for row in rows} == {("name", "第一网格", "一网格"), ("area", "", "东区")}
    r = client.post(f"/c/{cid}/grids/{grid.id}/edit", data={"name": "旧表单", "area": "", "version": old_version})
    assert r.status_code == 200 and "已被他人修改" in text(r)
    db.session.refresh(grid)
    assert grid.name == "一网格"


def test_rename_grid_to_existing_refused(client, auth, world):
    cid = world.a.community.id
    other = Grid(community_id=cid, name="第二网格")
    db.session.add(other)
    db.session.commit()
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{cid}/grids/{other.id}/edit", data={"name": "第一网格", "version": other.version})
    assert "本社区已有名为“第一网格”的网格" in text(r)
    db.session.refresh(other)
    assert other.name == "第二网格"


def test_grid_name_escaped(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.SECRETARY])
    client.post(f"/c/{cid}/grids/new", data={"name": "<script>alert(1)</script>"})
    page = text(client.get(f"/c/{cid}/grids"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


# --- grid officers ---------------------------------------------------------------------

@pytest.mark.parametrize("phone", ["13912345678", "19900001111", "0937-6221234", "010-12345678", ""])
def test_add_officer_with_good_phone(client, auth, world, phone):
    grid = world.a.grid
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/grids/{grid.id}/officers/new", data={"name": "赵信息", "phone": phone})
    assert r.status_code == 302
    officer = db.session.scalar(select(GridOfficer).where(GridOfficer.name == "赵信息"))
    assert officer.grid_id == grid.id and officer.phone == phone
    assert audit_rows("grid_officer", "create", officer.id)[0].community_id == world.a.community.id


@pytest.mark.parametrize("phone", ["12912345678", "1391234567", "139123456789", "09376221234", "0937-62212", "abc",
                                   "+8613912345678"])
def test_add_officer_with_bad_phone(client, auth, world, phone):
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/grids/{world.a.grid.id}/officers/new", data={"name": "赵信息", "phone": phone})
    assert r.status_code == 200 and "电话格式不正确" in text(r)
    assert count(GridOfficer, GridOfficer.name == "赵信息") == 0


def test_officer_bad_name(client, auth, world):
    path = f"/c/{world.a.community.id}/grids/{world.a.grid.id}/officers/new"
    login(auth, world.a.users[Role.SECRETARY])
    assert "请填写信息员姓名" in text(client.post(path, data={"name": "", "phone": ""}))
    assert "姓名不能超过50个字" in text(client.post(path, data={"name": "名" * 51}))
    r = client.post(path, data={"name": "王网格", "phone": "13900000001"})
    assert "无需重复添加" in text(r)
    assert count(GridOfficer, GridOfficer.grid_id == world.a.grid.id) == 1


def test_remove_officer(client, auth, world):
    grid = world.a.grid
    officer = grid.officers[0]
    oid = officer.id
    login(auth, world.a.users[Role.SECRETARY])
    path = f"/c/{world.a.community.id}/grids/{grid.id}/officers/{oid}/remove"
    assert client.get(path).status_code == 405
    page = text(client.get(f"/c/{world.a.community.id}/grids/{grid.id}"))
    assert 'data-confirm="确定将“王网格”移出本网格的信息员名单吗' in page
    r = client.post(path, follow_redirects=True)
    assert "已将“王网格”从第一网格的信息员名单中移出" in text(r)
    assert db.session.get(GridOfficer, oid) is None
    row = audit_rows("grid_officer", "delete", oid)[0]
    assert row.old_value == "王网格 13900000001" and row.community_id == world.a.community.id


def test_staff_cannot_remove_officer(client, auth, world):
    officer = world.a.grid.officers[0]
    login(auth, world.a.users[Role.STAFF])
    r = client.post(f"/c/{world.a.community.id}/grids/{world.a.grid.id}/officers/{officer.id}/remove")
    assert r.status_code == 403
    assert db.session.get(GridOfficer, officer.id) is not None


# --- buildings -------------------------------------------------------------------------

def building_form(**kw):
    data = {"name": "2号楼", "grid_id": 0, "address": "雄关西路2号", "floors": 6}
    data.update(kw)
    return data


def test_building_list_shows_grid_and_units(client, auth, world):
    login(auth, world.a.users[Role.STAFF])
    page = text(client.get(f"/c/{world.a.community.id}/buildings"))
    assert "1号楼" in page and "第一网格" in page and "2 个" in page


def test_building_list_filter_and_search(client, auth, world):
    cid = world.a.community.id
    db.session.add_all([Building(community_id=cid, name="3号楼"), Building(community_id=cid, name="商业楼100%")])
    db.session.commit()
    login(auth, world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{cid}/buildings?grid={world.a.grid.id}"))
    assert "1号楼" in page and "3号楼" not in page
    page = text(client.get(f"/c/{cid}/buildings?grid=-1"))
    assert "3号楼" in page and "1号楼" not in page
    page = text(client.get(f"/c/{cid}/buildings?q=3号"))
    assert "3号楼" in page and "1号楼" not in page
    page = text(client.get(f"/c/{cid}/buildings?q=%25"))
    assert "商业楼100%" in page and "3号楼" not in page
    page = text(client.get(f"/c/{cid}/buildings?q=没有这栋"))
    assert "没有符合条件的楼栋" in page
    assert client.get(f"/c/{cid}/buildings?grid=abc&page=x").status_code == 200


def test_building_list_paginates_keeping_filters(app, client, auth, world):
    cid = world.a.community.id
    db.session.add_all([Building(community_id=cid, name=f"{i}号楼") for i in (2, 3, 4)])
    db.session.commit()
    app.config["PER_PAGE"] = 2
    login(auth, world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{cid}/buildings?q=号楼"))
    assert "第 1 / 2 页" in page
    assert f"/c/{cid}/buildings?q=%E5%8F%B7%E6%A5%BC&amp;page=2" in page  # the search survives paging
    page = text(client.get(f"/c/{cid}/buildings?q=号楼&page=2"))
    assert "3号楼" in page and "4号楼" in page and "1号楼" not in page


def test_empty_lists_say_what_to_do(client, auth, world):
    from partyorg.domain import communities

    fresh = communities.create_community(None, "石桥", "rural", "second")
    db.session.execute(Building.__table__.update().values(grid_id=None))
    db.session.commit()
    login(auth, world.district)
    assert "还没有网格。请社区党委书记新建网格" in text(client.get(f"/c/{fresh.id}/grids"))
    assert "还没有楼栋。请社区党委书记新建楼栋" in text(client.get(f"/c/{fresh.id}/buildings"))
    login(auth, world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{world.a.community.id}/grids/{world.a.grid.id}"))
    assert "本网格还没有楼栋" in page and "新建楼栋时选择本网格" in page


def test_create_building(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{cid}/buildings/new", data=building_form(grid_id=world.a.grid.id), follow_redirects=True)
    assert "已新建楼栋“2号楼”" in text(r)
    b = db.session.scalar(select(Building).where(Building.community_id == cid, Building.name == "2号楼"))
    assert b.grid_id == world.a.grid.id and b.floors == 6
    assert audit_rows("building", "create", b.id)[0].community_id == cid


def test_create_building_without_grid(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.SECRETARY])
    assert client.post(f"/c/{cid}/buildings/new", data=building_form(floors="")).status_code == 302
    b = db.session.scalar(select(Building).where(Building.community_id == cid, Building.name == "2号楼"))
    assert b.grid_id is None and b.floors is None


def test_building_names_unique_per_community_only(client, auth, world):
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/buildings/new", data=building_form(name="1号楼"))
    assert r.status_code == 200 and "本社区已有名为“1号楼”的楼栋" in text(r)
    assert count(Building, Building.community_id == world.a.community.id) == 1
    assert count(Building, Building.name == "1号楼") == 2  # 新华 has one too


def test_grid_of_other_community_refused(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{cid}/buildings/new", data=building_form(grid_id=world.b.grid.id))
    assert r.status_code == 200 and "所选网格不属于本社区" in text(r)
    assert count(Building, Building.name == "2号楼") == 0
    b = world.a.building
    r = client.post(f"/c/{cid}/buildings/{b.id}/edit", data=building_form(name="1号楼", grid_id=world.b.grid.id, version=b.version))
    assert "所选网格不属于本社区" in text(r)
    db.session.refresh(b)
    assert b.grid_id == world.a.grid.id


@pytest.mark.parametrize("changes,message", [
    ({"name": ""}, "请填写楼栋名称"),
    ({"name": "楼" * 51}, "楼栋名称不能超过50个字"),
    ({"address": "址" * 201}, "地址不能超过200个字"),
    ({"floors": 0}, "层数应在1到100之间"),
])
def test_bad_building_input(client, auth, world, changes, message):
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/buildings/new", data=building_form(**changes))
    assert r.status_code == 200 and message in text(r)
    assert count(Building) == 2 and not audit_rows("building")


def test_edit_building_and_stale_edit(client, auth, world):
    cid, b = world.a.community.id, world.a.building
    old_version = b.version
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{cid}/buildings/{b.id}/edit", data=building_form(name="1号楼", grid_id=0, version=old_version))
    assert r.status_code == 302
    db.session.refresh(b)
    assert b.grid_id is None and b.address == "雄关西路2号"
    assert {row.field for row in audit_rows("building", "update", b.id)} == {"grid_id", "address", "floors"}
    r = client.post(f"/c/{cid}/buildings/{b.id}/edit", data=building_form(name="旧表单", version=old_version))
    assert r.status_code == 200 and "已被他人修改" in text(r)
    db.session.refresh(b)
    assert b.name == "1号楼"


def test_building_name_escaped(client, auth, world):
    cid = world.a.community.id
    login(auth, world.a.users[Role.SECRETARY])
    client.post(f"/c/{cid}/buildings/new", data=building_form(name="<script>x</script>楼"))
    page = text(client.get(f"/c/{cid}/buildings"))
    assert "&lt;script&gt;x&lt;/script&gt;楼" in page and "<script>x" not in page


def test_building_page_counts_members_per_unit(client, auth, world):
    login(auth, world.a.users[Role.STAFF])
    page = text(client.get(f"/c/{world.a.community.id}/buildings/{world.a.building.id}"))
    assert "1单元" in page and "2单元" in page and "1 人" in page and "0 人" in page
    assert "1号楼党支部" in page


# --- stairwell units -------------------------------------------------------------------

def unit_names(building):
    return db.session.scalars(
        select(StairUnit.name).where(StairUnit.building_id == building.id).order_by(StairUnit.position)
    ).all()


def stair_path(side):
    return f"/c/{side.community.id}/buildings/{side.building.id}/stair-units"


def test_add_units_by_count_skips_existing(client, auth, world):
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(stair_path(world.a), data={"count": 4}, follow_redirects=True)
    assert "已新增2个单元：3单元、4单元" in text(r)
    assert unit_names(world.a.building) == ["1单元", "2单元", "3单元", "4单元"]
    assert len(audit_rows("stair_unit", "create")) == 2


def test_add_units_by_names(client, auth, world):
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(stair_path(world.a), data={"names": "东单元，西单元、 南单元 ,"})
    assert r.status_code == 302
    assert unit_names(world.a.building) == ["1单元", "2单元", "东单元", "西单元", "南单元"]


@pytest.mark.parametrize("data,message", [
    ({"count": 0}, "单元数量应在1到20之间"),
    ({"count": 21}, "单元数量应在1到20之间"),
    ({"count": 2}, "1单元至2单元都已存在"),
    ({}, "请填写要新增的单元数量，或填写单元名称"),
    ({"names": " 、 , "}, "请填写要新增的单元数量，或填写单元名称"),
    ({"count": 3, "names": "东单元"}, "请只选择一种方式"),
    ({"names": "东单元、东单元"}, "填写的单元名称有重复：东单元"),
    ({"names": "东单元,2单元"}, "本楼栋已有这些单元：2单元"),
    ({"names": "单" * 31}, "单元名称不能超过30个字"),
])
def test_bad_stair_units_input(client, auth, world, data, message):
    login(auth, world.a.users[Role.SECRETARY])
    r = client.post(stair_path(world.a), data=data)
    assert r.status_code == 200 and message in text(r)
    assert unit_names(world.a.building) == ["1单元", "2单元"]
    assert not audit_rows("stair_unit")


def test_same_unit_names_in_other_building_allowed(client, auth, world):
    cid = world.a.community.id
    other = Building(community_id=cid, name="2号楼")
    db.session.add(other)
    db.session.commit()
    login(auth, world.a.users[Role.SECRETARY])
    assert client.post(f"/c/{cid}/buildings/{other.id}/stair-units", data={"count": 2}).status_code == 302
    assert unit_names(other) == ["1单元", "2单元"]


def test_stair_units_permissions(client, auth, world):
    login(auth, world.a.users[Role.STAFF])
    assert client.post(stair_path(world.a), data={"count": 3}).status_code == 403
    login(auth, world.a.users[Role.SECRETARY])
    assert client.post(stair_path(world.b), data={"count": 3}).status_code == 403
    cid = world.a.community.id
    r = client.post(f"/c/{cid}/buildings/{world.b.building.id}/stair-units", data={"count": 3})
    assert r.status_code == 404
    assert unit_names(world.b.building) == ["1单元", "2单元"]


def test_unit_names_escaped(client, auth, world):
    login(auth, world.a.users[Role.SECRETARY])
    client.post(stair_path(world.a), data={"names": "<b>东</b>"})
    page = text(client.get(f"/c/{world.a.community.id}/buildings/{world.a.building.id}"))
    assert "&lt;b&gt;东&lt;/b&gt;" in page


def test_members_count_only_active_residents(client, auth, world):
    from partyorg.models import MemberStatus

    member(world.a.community, building_id=world.a.building.id, stair_unit_id=world.a.stair_units[1].id,
           status=MemberStatus.DECEASED)
    db.session.commit()
    login(auth, world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{world.a.community.id}/buildings/{world.a.building.id}"))
    assert "0 人" in page
