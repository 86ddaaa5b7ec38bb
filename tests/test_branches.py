"""Branches (党支部): list, create by kind, page, edit, dissolve, per-unit groups, functional subtypes."""
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, func, select

from partyorg.extensions import db
from partyorg.models import (
    AttachMode,
    AuditEntry,
    Branch,
    BranchKind,
    BranchSubtype,
    Building,
    Community,
    CommunityClass,
    CommunityKind,
    MemberStatus,
    OrgStatus,
    PartyGroup,
    Role,
    StairUnit,
)

from . import factories
from .conftest import text


def url(side, tail=""):
    return f"/c/{side.community.id}/branches{tail}"


def login(auth, world, role=Role.SECRETARY, side="a"):
    return auth.login(world.district if role == Role.DISTRICT else getattr(world, side).users[role])


def branch_named(name) -> Branch | None:
    return db.session.scalar(select(Branch).where(Branch.name == name))


def audit_rows(obj, action=None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.entity == obj.__tablename__, AuditEntry.entity_id == obj.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.session.scalars(stmt).all()


def new_branch(**kw) -> dict:
    data = {"name": "新支部", "kind": "residential", "building_id": 0, "subtype": "", "mode": "",
            "organisation_name": "", "resident_unit_id": 0, "secretary_id": 0, "founded_on": "", "note": ""}
    data.update(kw)
    return data


def edit_data(branch: Branch, **kw) -> dict:
    data = new_branch(
        name=branch.name, kind=branch.kind.value, building_id=branch.building_id or 0, subtype=branch.subtype or "",
        mode=branch.mode.value if branch.mode else "", organisation_name=branch.organisation_name,
        resident_unit_id=branch.resident_unit_id or 0, secretary_id=branch.secretary_id or 0,
        founded_on=branch.founded_on.isoformat() if branch.founded_on else "", note=branch.note, version=branch.version,
    )
    data.update(kw)
    return data


@contextmanager
def count_selects():
    seen = []

    def listener(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


# --- who may see what ------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [
    (Role.SECRETARY, 200), (Role.STAFF, 200), (Role.DISTRICT, 200), (Role.BRANCH_SECRETARY, 403), (Role.LIAISON, 403),
])
def test_list_by_role(client, auth, world, role, status):
    login(auth, world, role)
    assert client.get(url(world.a)).status_code == status


def test_list_of_other_community_is_forbidden(client, auth, world):
    login(auth, world, Role.SECRETARY, "b")
    assert client.get(url(world.a)).status_code == 403
    assert client.get(url(world.a, "/new")).status_code == 403


def test_anonymous_goes_to_login(client, world):
    for tail in ("", "/new", f"/{world.a.branch.id}", f"/{world.a.branch.id}/edit"):
        r = client.get(url(world.a, tail))
        assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("role,status", [
    (Role.SECRETARY, 200), (Role.STAFF, 200), (Role.DISTRICT, 200), (Role.BRANCH_SECRETARY, 200), (Role.LIAISON, 403),
])
def test_own_branch_page_by_role(client, auth, world, role, status):
    login(auth, world, role)
    assert client.get(url(world.a, f"/{world.a.branch.id}")).status_code == status


def test_branch_secretary_sees_only_his_branch(client, auth, world):
    login(auth, world, Role.BRANCH_SECRETARY)
    assert client.get(url(world.a, f"/{world.a.functional.id}")).status_code == 403
    assert client.get(url(world.b, f"/{world.b.branch.id}")).status_code == 403
    r = client.get(url(world.a, f"/{world.a.branch.id}"))
    assert "新建党小组" in text(r)
    assert "撤销支部" not in text(r) and "编辑</a>" not in text(r).split("党小组</h2>")[0]


def test_branch_of_other_community_under_this_cid_is_not_found(client, auth, world):
    login(auth, world)
    assert client.get(url(world.a, f"/{world.b.branch.id}")).status_code == 404
    assert client.get(url(world.a, f"/{world.b.branch.id}/edit")).status_code == 404
    assert client.post(url(world.a, f"/{world.b.branch.id}/dissolve"), data={"dissolved_on": "2026-01-05"}).status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON, Role.DISTRICT])
def test_only_the_secretary_manages_branches(client, auth, world, role):
    login(auth, world, role)
    bid = world.a.branch.id
    assert client.get(url(world.a, "/new")).status_code == 403
    assert client.post(url(world.a, "/new"), data=new_branch()).status_code == 403
    assert client.get(url(world.a, f"/{bid}/edit")).status_code == 403
    assert client.post(url(world.a, f"/{bid}/dissolve"), data={"dissolved_on": "2026-01-05"}).status_code == 403
    assert client.post(url(world.a, f"/{bid}/unit-groups")).status_code == 403
    assert branch_named("新支部") is None


# --- list --------------------------------------------------------------------------------

def test_list_shows_kinds_counts_and_secretary(client, auth, world):
    world.a.branch.secretary_id = world.a.member.id
    world.a.branch.founded_on = date(2012, 7, 1)
    db.session.commit()
    login(auth, world)
    page = text(client.get(url(world.a)))
    for words in ("1号楼党支部", "楼宇党支部", "便民服务型", "市场+支部", "雄关农贸市场", "a张三", "2012-07-01", "正常"):
        assert words in page
    row = page.split("1号楼党支部</a>")[1].split("</tr>")[0]
    assert "1 个" in row and "1 人" in row


def test_list_shows_only_this_community(client, auth, world):
    db.session.add(Branch(community_id=world.b.community.id, name="新华独有党支部", kind=BranchKind.RESIDENTIAL))
    db.session.commit()
    login(auth, world)
    assert "新华独有党支部" not in text(client.get(url(world.a)))


def test_list_filters_by_kind_status_and_name(client, auth, world):
    world.a.functional.status = OrgStatus.DISSOLVED
    db.session.commit()
    login(auth, world)
    body = text(client.get(url(world.a) + "?kind=attached")).split("<tbody>")[1]
    assert "市场党支部" in body and "1号楼党支部" not in body
    body = text(client.get(url(world.a) + "?status=dissolved")).split("<tbody>")[1]
    assert "便民服务党支部" in body and "已撤销" in body and "市场党支部" not in body
    body = text(client.get(url(world.a) + "?q=1号楼")).split("<tbody>")[1]
    assert "1号楼党支部" in body and "市场党支部" not in body
    r = client.get(url(world.a) + "?q=没有这个支部")
    assert "没有符合条件的党支部" in text(r)


def test_list_empty_state(client, auth, world):
    c = Community(name="石桥", kind=CommunityKind.RURAL, grade=CommunityClass.SECOND)
    db.session.add(c)
    db.session.flush()
    auth.login(factories.user("c_secretary", Role.SECRETARY, c))
    db.session.commit()
    r = client.get(f"/c/{c.id}/branches")
    assert r.status_code == 200
    assert "本社区还没有党支部" in text(r) and "新建党支部" in text(r)


def test_list_paginates_without_n_plus_one(client, auth, world, app):
    side = world.a
    for i in range(25):
        b = Branch(community_id=side.community.id, name=f"居民第{i:02d}党支部", kind=BranchKind.RESIDENTIAL,
                   secretary_id=side.member.id)
        db.session.add(b)
        db.session.flush()
        db.session.add(PartyGroup(branch_id=b.id, name="第一党小组"))
        factories.member(side.community, branch_id=b.id)
    db.session.commit()
    login(auth, world)
    with count_selects() as few:
        client.get(url(side) + "?kind=functional")
    with count_selects() as many:
        r = client.get(url(side))
    assert len(many) <= len(few) + 2, many
    page = text(r)
    assert "共 28 条" in page and "下一页" in page
    assert "page=2" in page and f"/c/{side.community.id}/branches" in page
    r = client.get(url(side) + "?page=2")
    assert r.status_code == 200 and "居民第" in text(r)


# --- create ------------------------------------------------------------------------------

def test_create_residential_branch(client, auth, world):
    user = login(auth, world)
    r = client.post(url(world.a, "/new"), data=new_branch(
        name="第三居民党支部", secretary_id=world.a.member.id, founded_on="2013-03-01", note="老旧小区"))
    b = branch_named("第三居民党支部")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/branches/{b.id}")
    assert b.kind == BranchKind.RESIDENTIAL and b.secretary_id == world.a.member.id
    assert b.founded_on == date(2013, 3, 1) and b.status == OrgStatus.ACTIVE and b.note == "老旧小区"
    rows = audit_rows(b, "create")
    assert len(rows) == 1 and rows[0].user_id == user.id and rows[0].community_id == world.a.community.id


def test_create_building_branch_with_unit_groups_in_one_step(client, auth, world):
    login(auth, world)
    bld = Building(community_id=world.a.community.id, name="7号楼")
    db.session.add(bld)
    db.session.flush()
    db.session.add_all([StairUnit(building_id=bld.id, name=f"{i}单元", position=i) for i in (1, 2, 3)])
    db.session.commit()
    r = client.post(url(world.a, "/new"), data=new_branch(
        name="7号楼党支部", kind="building", building_id=bld.id, unit_groups="y",
        subtype="便民服务型", mode="market", organisation_name="不该保存"), follow_redirects=True)
    assert "已建立党支部“7号楼党支部”，并建立了3个党小组" in text(r)
    b = branch_named("7号楼党支部")
    assert b.building_id == bld.id and b.subtype is None and b.mode is None and b.organisation_name == ""
    groups = sorted(b.groups, key=lambda g: g.name)
    assert [g.name for g in groups] == ["1单元党小组", "2单元党小组", "3单元党小组"]
    assert [g.stair_unit.name for g in groups] == ["1单元", "2单元", "3单元"]
    assert all(len(audit_rows(g, "create")) == 1 for g in groups)
    assert audit_rows(groups[0])[0].community_id == world.a.community.id
    assert "3单元党小组" in text(r) and "3单元" in text(r)


def test_create_building_branch_without_unit_groups(client, auth, world):
    login(auth, world)
    bld = Building(community_id=world.a.community.id, name="8号楼")
    db.session.add(bld)
    db.session.flush()
    db.session.add(StairUnit(building_id=bld.id, name="1单元", position=1))
    db.session.commit()
    client.post(url(world.a, "/new"), data=new_branch(name="8号楼党支部", kind="building", building_id=bld.id))
    assert branch_named("8号楼党支部").groups == []


def test_create_functional_branch_with_custom_subtype(client, auth, world):
    login(auth, world)
    db.session.add(BranchSubtype(community_id=world.a.community.id, name="文化宣传型"))
    db.session.commit()
    r = client.get(url(world.a, "/new"))
    assert "文化宣传型" in text(r) and "维稳保障型" in text(r)
    client.post(url(world.a, "/new"), data=new_branch(name="文化志愿党支部", kind="functional", subtype="文化宣传型",
                                                     building_id=world.a.building.id))
    b = branch_named("文化志愿党支部")
    assert b.kind == BranchKind.FUNCTIONAL and b.subtype == "文化宣传型" and b.building_id is None
    client.post(url(world.a, "/new"), data=new_branch(name="平安巡逻党支部", kind="functional", subtype="维稳保障型"))
    assert branch_named("平安巡逻党支部").subtype == "维稳保障型"


def test_subtype_of_other_community_is_refused(client, auth, world):
    login(auth, world)
    db.session.add(BranchSubtype(community_id=world.b.community.id, name="新华特色型"))
    db.session.commit()
    r = client.post(url(world.a, "/new"), data=new_branch(name="特色党支部", kind="functional", subtype="新华特色型"))
    assert r.status_code == 200 and "请选择内置类别或本社区定义的类别" in text(r)
    assert branch_named("特色党支部") is None


def test_create_attached_branch(client, auth, world):
    login(auth, world)
    client.post(url(world.a, "/new"), data=new_branch(
        name="商会党支部", kind="attached", mode="association", organisation_name="雄关个体工商户协会",
        resident_unit_id=world.a.unit.id, subtype="便民服务型"))
    b = branch_named("商会党支部")
    assert b.mode == AttachMode.ASSOCIATION and b.organisation_name == "雄关个体工商户协会"
    assert b.resident_unit_id == world.a.unit.id and b.subtype is None


@pytest.mark.parametrize("data,message", [
    ({"kind": "building"}, "楼宇党支部须选择所在楼栋"),
    ({"kind": "functional"}, "功能型党支部须选择类别"),
    ({"kind": "functional", "subtype": "不存在型"}, "请选择内置类别或本社区定义的类别"),
    ({"kind": "attached", "organisation_name": "某市场"}, "驻区组织党支部须选择组建模式"),
    ({"kind": "attached", "mode": "market"}, "请填写所属企业、市场或协会的名称"),
    ({"kind": "nonsense"}, "请选择支部类型"),
    ({"name": ""}, "请填写支部名称"),
    ({"name": "长" * 101}, "支部名称不能超过100个字符"),
    ({"founded_on": "2013-13-45"}, "请输入正确的日期"),
])
def test_create_refuses_bad_input(client, auth, world, data, message):
    login(auth, world)
    before = db.session.scalar(select(func.count()).select_from(Branch))
    r = client.post(url(world.a, "/new"), data=new_branch(**{"name": "坏支部", **data}))
    assert r.status_code == 200 and message in text(r)
    assert db.session.scalar(select(func.count()).select_from(Branch)) == before


def test_create_keeps_typed_values_on_error(client, auth, world):
    login(auth, world)
    r = client.post(url(world.a, "/new"), data=new_branch(name="1号楼党支部", note="保留的备注"))
    assert "本社区已有同名党支部" in text(r) and "保留的备注" in text(r)


def test_same_name_allowed_in_other_community(client, auth, world):
    login(auth, world, Role.SECRETARY, "b")
    client.post(url(world.b, "/new"), data=new_branch(name="市场党支部"))
    assert db.session.scalar(select(func.count()).select_from(Branch).where(Branch.name == "市场党支部")) == 2


@pytest.mark.parametrize("field,kind,extra,message", [
    ("building_id", "building", {}, "请选择本社区的楼栋"),
    ("resident_unit_id", "attached", {"mode": "market", "organisation_name": "x市场"}, "请选择本社区的驻区单位"),
    ("secretary_id", "residential", {}, "支部书记须为本社区在册党员"),
])
def test_references_of_other_community_are_refused(client, auth, world, field, kind, extra, message):
    login(auth, world)
    other = {"building_id": world.b.building.id, "resident_unit_id": world.b.unit.id,
             "secretary_id": world.b.member.id}[field]
    r = client.post(url(world.a, "/new"), data=new_branch(name="越界支部", kind=kind, **{field: other}, **extra))
    assert r.status_code == 200 and message in text(r)
    assert branch_named("越界支部") is None


def test_inactive_member_cannot_be_secretary(client, auth, world):
    login(auth, world)
    world.a.other_member.status = MemberStatus.TRANSFERRED_OUT
    db.session.commit()
    r = client.post(url(world.a, "/new"), data=new_branch(name="x支部", secretary_id=world.a.other_member.id))
    assert "支部书记须为本社区在册党员" in text(r)


def test_script_tags_are_stored_as_text_and_escaped(client, auth, world):
    login(auth, world)
    client.post(url(world.a, "/new"), data=new_branch(name="<script>alert(1)</script>支部", note="<b>粗</b>"))
    b = branch_named("<script>alert(1)</script>支部")
    assert b is not None and b.note == "<b>粗</b>"
    for page in (text(client.get(url(world.a))), text(client.get(url(world.a, f"/{b.id}")))):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;支部" in page
        assert "<script>alert(1)" not in page
    assert "&lt;b&gt;粗&lt;/b&gt;" in text(client.get(url(world.a, f"/{b.id}")))


# --- branch page ---------------------------------------------------------------------------

def test_branch_page_shows_fields_groups_and_members_without_personal_data(client, auth, world):
    world.a.group.leader_id = world.a.member.id
    world.a.branch.secretary_id = world.a.member.id
    db.session.commit()
    login(auth, world)
    page = text(client.get(url(world.a, f"/{world.a.branch.id}")))
    for words in ("1号楼党支部", "楼宇党支部", "1号楼", "1单元党小组", "a张三", "直管", "正式党员", "1 人"):
        assert words in page
    assert world.a.member.phone not in page and world.a.member.id_number not in page
    for button in ("新建党小组", "按单元建立党小组", "编辑", "撤销支部"):
        assert button in page
    assert f"/c/{world.a.community.id}/members?branch={world.a.branch.id}" in page


def test_staff_sees_page_without_buttons(client, auth, world):
    login(auth, world, Role.STAFF)
    page = text(client.get(url(world.a, f"/{world.a.branch.id}")))
    assert "1单元党小组" in page
    for button in ("新建党小组", "按单元建立党小组", "撤销支部", "/edit"):
        assert button not in page


def test_branch_page_caps_members_and_links_to_member_list(client, auth, world):
    for _ in range(55):
        factories.member(world.a.community, branch_id=world.a.branch.id)
    db.session.commit()
    login(auth, world)
    page = text(client.get(url(world.a, f"/{world.a.branch.id}")))
    assert "查看本支部全部 56 名党员" in page and "在册 56 人" in page


def test_branch_page_of_attached_branch(client, auth, world):
    b = branch_named("市场党支部")
    login(auth, world)
    page = text(client.get(url(world.a, f"/{b.id}")))
    assert "市场+支部" in page and "雄关农贸市场" in page
    assert "本支部还没有党小组" in page and "按单元建立党小组" not in page


# --- edit ------------------------------------------------------------------------------------

def test_edit_branch_writes_audit_rows(client, auth, world):
    login(auth, world)
    b = world.a.functional
    r = client.get(url(world.a, f"/{b.id}/edit"))
    assert r.status_code == 200 and 'value="便民服务党支部"' in text(r)
    r = client.post(url(world.a, f"/{b.id}/edit"), data=edit_data(b, name="平安党支部", subtype="维稳保障型",
                                                              secretary_id=world.a.other_member.id))
    assert r.status_code == 302
    db.session.expire_all()
    b = db.session.get(Branch, b.id)
    assert b.name == "平安党支部" and b.subtype == "维稳保障型" and b.version == 2
    fields = {a.field for a in audit_rows(b, "update")}
    assert fields == {"name", "subtype", "secretary_id"}


def test_edit_to_another_kind_clears_old_fields(client, auth, world):
    login(auth, world)
    b = branch_named("市场党支部")
    client.post(url(world.a, f"/{b.id}/edit"), data=edit_data(b, kind="residential"))
    db.session.expire_all()
    b = branch_named("市场党支部")
    assert b.kind == BranchKind.RESIDENTIAL and b.mode is None and b.organisation_name == ""


def test_edit_refuses_moving_building_with_unit_groups(client, auth, world):
    login(auth, world)
    b = world.a.branch
    other = Building(community_id=world.a.community.id, name="9号楼")
    db.session.add(other)
    db.session.commit()
    r = client.post(url(world.a, f"/{b.id}/edit"), data=edit_data(b, building_id=other.id))
    assert r.status_code == 200 and "不能更换楼栋" in text(r)
    db.session.expire_all()
    assert db.session.get(Branch, b.id).building_id == world.a.building.id


def test_edit_duplicate_name_refused(client, auth, world):
    login(auth, world)
    b = world.a.functional
    r = client.post(url(world.a, f"/{b.id}/edit"), data=edit_data(b, name="1号楼党支部"))
    assert r.status_code == 200 and "本社区已有同名党支部" in text(r)


def test_stale_edit_is_refused(client, auth, world):
    login(auth, world)
    b = world.a.functional
    old = edit_data(b)
    assert client.post(url(world.a, f"/{b.id}/edit"), data={**old, "note": "第一次"}).status_code == 302
    r = client.post(url(world.a, f"/{b.id}/edit"), data={**old, "note": "过期的修改"})
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.expire_all()
    assert db.session.get(Branch, b.id).note == "第一次"


# --- dissolve ----------------------------------------------------------------------------------

def test_dissolve_refused_while_members_remain(client, auth, world):
    login(auth, world)
    b = world.a.branch
    factories.member(world.a.community, branch_id=b.id)
    db.session.commit()
    r = client.get(url(world.a, f"/{b.id}/dissolve"))
    assert "该支部还有 <strong>2</strong> 名在册党员" in text(r)
    r = client.post(url(world.a, f"/{b.id}/dissolve"), data={"dissolved_on": "2026-01-05"}, follow_redirects=True)
    assert "该支部还有2名在册党员，请先将他们转入其他支部" in text(r)
    db.session.expire_all()
    assert db.session.get(Branch, b.id).status == OrgStatus.ACTIVE


def test_dissolve_without_active_members(client, auth, world):
    login(auth, world)
    b = world.a.branch
    world.a.member.status = MemberStatus.TRANSFERRED_OUT  # former members do not block it
    db.session.commit()
    r = client.post(url(world.a, f"/{b.id}/dissolve"), data={"dissolved_on": "2026-01-05"}, follow_redirects=True)
    assert "已撤销" in text(r)
    db.session.expire_all()
    b = db.session.get(Branch, b.id)
    assert b.status == OrgStatus.DISSOLVED and b.dissolved_on == date(2026, 1, 5)
    assert db.session.get(PartyGroup, world.a.group.id).status == OrgStatus.DISSOLVED
    assert {a.field for a in audit_rows(b, "update")} == {"status", "dissolved_on"}
    page = text(client.get(url(world.a, f"/{b.id}")))
    assert "2026-01-05" in page and "新建党小组" not in page and "撤销支部" not in page
    assert client.get(url(world.a, f"/{b.id}/groups/new")).status_code == 302


def test_dissolve_needs_a_date(client, auth, world):
    login(auth, world)
    b = branch_named("市场党支部")
    r = client.post(url(world.a, f"/{b.id}/dissolve"), data={"dissolved_on": ""})
    assert r.status_code == 200 and "请填写撤销日期" in text(r)
    assert db.session.get(Branch, b.id).status == OrgStatus.ACTIVE
    assert 'data-confirm="确定撤销' in text(r)


# --- per-unit groups -------------------------------------------------------------------------

def test_unit_groups_creates_the_missing_ones(client, auth, world):
    login(auth, world)
    b = world.a.branch
    r = client.post(url(world.a, f"/{b.id}/unit-groups"), follow_redirects=True)
    assert "已按单元建立1个党小组" in text(r)
    names = db.session.scalars(select(PartyGroup.name).where(PartyGroup.branch_id == b.id).order_by(PartyGroup.name)).all()
    assert names == ["1单元党小组", "2单元党小组"]
    r = client.post(url(world.a, f"/{b.id}/unit-groups"), follow_redirects=True)
    assert "每个单元都已有党小组" in text(r)


def test_unit_groups_refused_for_other_kinds(client, auth, world):
    login(auth, world)
    b = world.a.functional
    r = client.post(url(world.a, f"/{b.id}/unit-groups"), follow_redirects=True)
    assert "只有楼宇党支部可以按单元建立党小组" in text(r)
    assert db.session.scalar(select(func.count()).select_from(PartyGroup).where(PartyGroup.branch_id == b.id)) == 0


def test_unit_groups_needs_post(client, auth, world):
    login(auth, world)
    assert client.get(url(world.a, f"/{world.a.branch.id}/unit-groups")).status_code == 405


# --- functional subtypes ------------------------------------------------------------------------

def subtypes_url(side):
    return f"/c/{side.community.id}/branch-subtypes"


@pytest.mark.parametrize("role,status", [
    (Role.SECRETARY, 200), (Role.STAFF, 200), (Role.DISTRICT, 200), (Role.BRANCH_SECRETARY, 403), (Role.LIAISON, 403),
])
def test_subtypes_page_by_role(client, auth, world, role, status):
    login(auth, world, role)
    r = client.get(subtypes_url(world.a))
    assert r.status_code == status
    if status == 200:
        assert "便民服务型" in text(r) and "维稳保障型" in text(r) and "内置" in text(r)
        assert ("增加类别" in text(r)) == (role == Role.SECRETARY)


def test_add_subtype(client, auth, world):
    user = login(auth, world)
    r = client.post(subtypes_url(world.a), data={"name": " 文化宣传型 "}, follow_redirects=True)
    assert "已增加功能型类别“文化宣传型”" in text(r)
    s = db.session.scalar(select(BranchSubtype).where(BranchSubtype.name == "文化宣传型"))
    assert s.community_id == world.a.community.id
    assert audit_rows(s, "create")[0].user_id == user.id


@pytest.mark.parametrize("name,message", [
    ("便民服务型", "已有同名类别"), ("型", "类别名称须为2至30个字符"), ("长" * 31, "类别名称须为2至30个字符"), ("", "请填写类别名称"),
])
def test_add_subtype_refuses_bad_names(client, auth, world, name, message):
    login(auth, world)
    db.session.add(BranchSubtype(community_id=world.a.community.id, name="已有型"))
    db.session.commit()
    r = client.post(subtypes_url(world.a), data={"name": name})
    assert r.status_code == 200 and message in text(r)
    assert db.session.scalar(select(func.count()).select_from(BranchSubtype)) == 1


def test_add_subtype_duplicate_custom(client, auth, world):
    login(auth, world)
    client.post(subtypes_url(world.a), data={"name": "文化宣传型"})
    r = client.post(subtypes_url(world.a), data={"name": "文化宣传型"})
    assert "已有同名类别" in text(r)


@pytest.mark.parametrize("role", [Role.STAFF, Role.DISTRICT, Role.BRANCH_SECRETARY])
def test_add_subtype_forbidden(client, auth, world, role):
    login(auth, world, role)
    assert client.post(subtypes_url(world.a), data={"name": "文化宣传型"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(BranchSubtype)) == 0


def test_domain_counts_members_per_branch_in_one_query(app, world):
    from partyorg.domain import branches as rules

    ids = [world.a.branch.id, world.a.functional.id, world.b.branch.id]
    with count_selects() as seen:
        counts = rules.active_member_counts(ids)
    assert len(seen) == 1
    assert counts == {world.a.branch.id: 1, world.a.functional.id: 1, world.b.branch.id: 1}
