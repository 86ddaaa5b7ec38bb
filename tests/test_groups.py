"""Party groups (党小组): create and edit inside a branch, by the secretary or that branch's secretary."""
import pytest
from sqlalchemy import func, select

from partyorg.extensions import db
from partyorg.models import AuditEntry, Building, MemberStatus, OrgStatus, PartyGroup, Role, StairUnit

from . import factories
from .conftest import text


def new_url(side, branch=None):
    return f"/c/{side.community.id}/branches/{(branch or side.branch).id}/groups/new"


def edit_url(side, group=None):
    return f"/c/{side.community.id}/groups/{(group or side.group).id}/edit"


def login(auth, world, role=Role.SECRETARY, side="a"):
    return auth.login(world.district if role == Role.DISTRICT else getattr(world, side).users[role])


def group_named(branch, name) -> PartyGroup | None:
    return db.session.scalar(select(PartyGroup).where(PartyGroup.branch_id == branch.id, PartyGroup.name == name))


def audit_rows(obj, action) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "party_group", AuditEntry.entity_id == obj.id, AuditEntry.action == action)).all()


def group_data(group: PartyGroup, **kw) -> dict:
    data = {"name": group.name, "stair_unit_id": group.stair_unit_id or 0, "leader_id": group.leader_id or 0,
            "version": group.version}
    data.update(kw)
    return data


# --- who may ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [
    (Role.SECRETARY, 200), (Role.BRANCH_SECRETARY, 200), (Role.STAFF, 403), (Role.LIAISON, 403), (Role.DISTRICT, 403),
])
def test_group_pages_by_role(client, auth, world, role, status):
    login(auth, world, role)
    assert client.get(new_url(world.a)).status_code == status
    assert client.get(edit_url(world.a)).status_code == status


def test_branch_secretary_only_for_his_branch(client, auth, world):
    login(auth, world, Role.BRANCH_SECRETARY)
    assert client.get(new_url(world.a, world.a.functional)).status_code == 403
    r = client.post(new_url(world.a, world.a.functional), data={"name": "越权党小组"})
    assert r.status_code == 403 and group_named(world.a.functional, "越权党小组") is None
    assert client.get(new_url(world.b)).status_code == 403
    assert client.get(edit_url(world.b)).status_code == 403


def test_other_community_secretary_is_forbidden(client, auth, world):
    login(auth, world, Role.SECRETARY, "b")
    assert client.get(new_url(world.a)).status_code == 403
    assert client.post(edit_url(world.a), data=group_data(world.a.group, name="改名")).status_code == 403


def test_group_of_other_community_under_this_cid_is_not_found(client, auth, world):
    login(auth, world)
    assert client.get(f"/c/{world.a.community.id}/groups/{world.b.group.id}/edit").status_code == 404
    assert client.get(f"/c/{world.a.community.id}/branches/{world.b.branch.id}/groups/new").status_code == 404
    assert client.get(f"/c/{world.a.community.id}/groups/99999/edit").status_code == 404


def test_anonymous_goes_to_login(client, world):
    for u in (new_url(world.a), edit_url(world.a)):
        r = client.get(u)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- create ----------------------------------------------------------------------------------

def test_secretary_creates_group_with_unit_and_leader(client, auth, world):
    user = login(auth, world)
    r = client.post(new_url(world.a), data={"name": "2单元党小组", "stair_unit_id": world.a.stair_units[1].id,
                                            "leader_id": world.a.member.id}, follow_redirects=True)
    assert "党小组已建立" in text(r)
    g = group_named(world.a.branch, "2单元党小组")
    assert g.stair_unit_id == world.a.stair_units[1].id and g.leader_id == world.a.member.id
    assert g.status == OrgStatus.ACTIVE
    rows = audit_rows(g, "create")
    assert len(rows) == 1 and rows[0].user_id == user.id and rows[0].community_id == world.a.community.id
    assert "2单元党小组" in text(r) and "a张三" in text(r)


def test_branch_secretary_creates_group_in_his_branch(client, auth, world):
    login(auth, world, Role.BRANCH_SECRETARY)
    r = client.post(new_url(world.a), data={"name": "老年党小组"})
    assert r.status_code == 302
    assert group_named(world.a.branch, "老年党小组").stair_unit_id is None


def test_group_in_functional_branch_without_unit(client, auth, world):
    login(auth, world)
    r = client.get(new_url(world.a, world.a.functional))
    assert "1单元" not in text(r).split('id="stair_unit_id"')[1].split("</select>")[0]
    client.post(new_url(world.a, world.a.functional), data={"name": "巡逻党小组", "leader_id": world.a.other_member.id})
    assert group_named(world.a.functional, "巡逻党小组").leader_id == world.a.other_member.id


def test_duplicate_name_in_branch_refused(client, auth, world):
    login(auth, world)
    r = client.post(new_url(world.a), data={"name": "1单元党小组"})
    assert r.status_code == 200 and "本支部已有同名党小组" in text(r)
    assert db.session.scalar(select(func.count()).select_from(PartyGroup).where(PartyGroup.branch_id == world.a.branch.id)) == 1


def test_same_name_allowed_in_another_branch(client, auth, world):
    login(auth, world)
    client.post(new_url(world.a, world.a.functional), data={"name": "1单元党小组"})
    assert group_named(world.a.functional, "1单元党小组") is not None


def test_stair_unit_of_another_building_refused(client, auth, world):
    login(auth, world)
    other = Building(community_id=world.a.community.id, name="2号楼")
    db.session.add(other)
    db.session.flush()
    unit = StairUnit(building_id=other.id, name="1单元", position=1)
    db.session.add(unit)
    db.session.commit()
    for target in (world.a.branch, world.a.functional):
        r = client.post(new_url(world.a, target), data={"name": "错单元党小组", "stair_unit_id": unit.id})
        assert r.status_code == 200 and "所选单元不属于本支部所在的楼栋" in text(r)
        assert group_named(target, "错单元党小组") is None
    r = client.post(new_url(world.a), data={"name": "外社区单元党小组", "stair_unit_id": world.b.stair_units[1].id})
    assert "所选单元不属于本支部所在的楼栋" in text(r)


@pytest.mark.parametrize("who", ["other_branch", "other_community", "inactive"])
def test_leader_must_be_active_member_of_branch(client, auth, world, who):
    login(auth, world)
    if who == "other_branch":
        leader = world.a.other_member
    elif who == "other_community":
        leader = world.b.member
    else:
        leader = factories.member(world.a.community, branch_id=world.a.branch.id, status=MemberStatus.DECEASED)
        db.session.commit()
    r = client.post(new_url(world.a), data={"name": "新党小组", "leader_id": leader.id})
    assert r.status_code == 200 and "党小组组长须为本支部的在册党员" in text(r)
    assert group_named(world.a.branch, "新党小组") is None


def test_bad_names(client, auth, world):
    login(auth, world)
    r = client.post(new_url(world.a), data={"name": ""})
    assert "请填写党小组名称" in text(r)
    r = client.post(new_url(world.a), data={"name": "长" * 51})
    assert "党小组名称不能超过50个字符" in text(r)


def test_script_in_group_name_is_escaped(client, auth, world):
    login(auth, world)
    client.post(new_url(world.a), data={"name": "<script>x()</script>组"})
    assert group_named(world.a.branch, "<script>x()</script>组") is not None
    page = text(client.get(f"/c/{world.a.community.id}/branches/{world.a.branch.id}"))
    assert "&lt;script&gt;x()&lt;/script&gt;组" in page and "<script>x()" not in page


def test_no_groups_in_dissolved_branch(client, auth, world):
    login(auth, world)
    world.a.functional.status = OrgStatus.DISSOLVED
    db.session.commit()
    r = client.post(new_url(world.a, world.a.functional), data={"name": "迟到党小组"}, follow_redirects=True)
    assert "该支部已撤销" in text(r)
    assert group_named(world.a.functional, "迟到党小组") is None


# --- edit --------------------------------------------------------------------------------------

def test_edit_group_sets_leader_and_writes_audit(client, auth, world):
    user = login(auth, world, Role.BRANCH_SECRETARY)
    g = world.a.group
    r = client.get(edit_url(world.a))
    assert 'value="1单元党小组"' in text(r)
    r = client.post(edit_url(world.a), data=group_data(g, name="一单元党小组", leader_id=world.a.member.id))
    assert r.status_code == 302
    db.session.expire_all()
    g = db.session.get(PartyGroup, g.id)
    assert g.name == "一单元党小组" and g.leader_id == world.a.member.id and g.version == 2
    rows = audit_rows(g, "update")
    assert {a.field for a in rows} == {"name", "leader_id"}
    assert all(a.user_id == user.id and a.community_id == world.a.community.id for a in rows)


def test_edit_refuses_leader_outside_branch(client, auth, world):
    login(auth, world)
    r = client.post(edit_url(world.a), data=group_data(world.a.group, leader_id=world.a.other_member.id))
    assert r.status_code == 200 and "党小组组长须为本支部的在册党员" in text(r)
    db.session.expire_all()
    assert db.session.get(PartyGroup, world.a.group.id).leader_id is None


def test_edit_duplicate_name(client, auth, world):
    login(auth, world)
    db.session.add(PartyGroup(branch_id=world.a.branch.id, name="2单元党小组"))
    db.session.commit()
    r = client.post(edit_url(world.a), data=group_data(world.a.group, name="2单元党小组"))
    assert "本支部已有同名党小组" in text(r)


def test_stale_group_edit_is_refused(client, auth, world):
    login(auth, world)
    old = group_data(world.a.group)
    assert client.post(edit_url(world.a), data={**old, "name": "第一次改名"}).status_code == 302
    r = client.post(edit_url(world.a), data={**old, "name": "过期改名"})
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.expire_all()
    assert db.session.get(PartyGroup, world.a.group.id).name == "第一次改名"
