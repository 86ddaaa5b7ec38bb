"""Member pages: list, detail, create, edit, reveal the ID number, status change; who may use them."""
import re
from datetime import date

import pytest
from sqlalchemy import event, select

from partyorg.extensions import db
from partyorg.models import AuditEntry, Category, Member, MemberStatus, Role

from . import factories
from .conftest import text
from .member_helpers import counts, member_form

ALL = [Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON, Role.DISTRICT]


def login(auth, world, role, side="a"):
    user = world.district if role == Role.DISTRICT else getattr(world, side).users[role]
    return auth.login(user)


def audit_rows(member, action=None):
    stmt = select(AuditEntry).where(AuditEntry.entity == "member", AuditEntry.entity_id == member.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.session.scalars(stmt.order_by(AuditEntry.id)).all()


# --- who may use which page --------------------------------------------------------------

@pytest.mark.parametrize("role,expected", [
    (Role.SECRETARY, 200), (Role.STAFF, 200), (Role.DISTRICT, 200), (Role.BRANCH_SECRETARY, 200), (Role.LIAISON, 403),
])
def test_list_per_role(client, auth, world, role, expected):
    login(auth, world, role)
    assert client.get(f"/c/{world.a.community.id}/members").status_code == expected


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON])
def test_other_community_list_is_forbidden(client, auth, world, role):
    login(auth, world, role, side="b")
    assert client.get(f"/c/{world.a.community.id}/members").status_code == 403


def test_unknown_community_is_not_found_for_district(client, auth, world):
    login(auth, world, Role.DISTRICT)
    assert client.get("/c/9999/members").status_code == 404


@pytest.mark.parametrize("url", ["/members", "/members/new", "/members/{mid}", "/members/{mid}/edit", "/members/{mid}/status"])
def test_anonymous_is_sent_to_login(client, world, url):
    r = client.get(f"/c/{world.a.community.id}" + url.format(mid=world.a.member.id))
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]


@pytest.mark.parametrize("role,expected", [
    (Role.SECRETARY, 200), (Role.STAFF, 200), (Role.DISTRICT, 200), (Role.BRANCH_SECRETARY, 200), (Role.LIAISON, 403),
])
def test_detail_per_role(client, auth, world, role, expected):
    login(auth, world, role)
    assert client.get(f"/c/{world.a.community.id}/members/{world.a.member.id}").status_code == expected


def test_branch_secretary_sees_only_his_branch_members(client, auth, world):
    login(auth, world, Role.BRANCH_SECRETARY)
    cid = world.a.community.id
    assert client.get(f"/c/{cid}/members/{world.a.other_member.id}").status_code == 403  # functional branch
    page = text(client.get(f"/c/{cid}/members?branch={world.a.functional.id}&status=all"))
    assert world.a.member.name in page
    assert world.a.other_member.name not in page


def test_member_of_another_community_is_not_found(client, auth, world):
    login(auth, world, Role.SECRETARY)
    cid = world.a.community.id
    for url in ("", "/edit", "/status"):
        assert client.get(f"/c/{cid}/members/{world.b.member.id}{url}").status_code == 404


def test_other_community_detail_is_forbidden(client, auth, world):
    login(auth, world, Role.SECRETARY, side="b")
    assert client.get(f"/c/{world.a.community.id}/members/{world.a.member.id}").status_code == 403


@pytest.mark.parametrize("role,expected", [
    (Role.SECRETARY, 200), (Role.STAFF, 200), (Role.DISTRICT, 403), (Role.BRANCH_SECRETARY, 403), (Role.LIAISON, 403),
])
@pytest.mark.parametrize("url", ["/members/new", "/members/{mid}/edit", "/members/{mid}/status"])
def test_changing_pages_per_role(client, auth, world, role, expected, url):
    login(auth, world, role)
    r = client.get(f"/c/{world.a.community.id}" + url.format(mid=world.a.member.id))
    assert r.status_code == expected


@pytest.mark.parametrize("role", [Role.DISTRICT, Role.BRANCH_SECRETARY, Role.LIAISON])
def test_readers_cannot_post_changes(client, auth, world, role):
    login(auth, world, role)
    cid, mid = world.a.community.id, world.a.member.id
    before = counts()
    assert client.post(f"/c/{cid}/members/new", data=member_form(world.a)).status_code == 403
    assert client.post(f"/c/{cid}/members/{mid}/edit", data=member_form(world.a, version="1")).status_code == 403
    assert client.post(f"/c/{cid}/members/{mid}/status",
                       data={"status": "deceased", "status_on": "2025-01-01", "status_reason": "x"}).status_code == 403
    assert client.post(f"/c/{cid}/members/{mid}/reveal-id").status_code == 403
    assert counts() == before


def test_there_is_no_delete(client, auth, world):
    login(auth, world, Role.SECRETARY)
    cid, mid = world.a.community.id, world.a.member.id
    assert client.post(f"/c/{cid}/members/{mid}/delete").status_code == 404
    assert client.delete(f"/c/{cid}/members/{mid}").status_code == 405
    assert db.session.get(Member, mid) is not None


# --- the list ---------------------------------------------------------------------------

def test_list_shows_columns_and_links(client, auth, world):
    login(auth, world, Role.SECRETARY)
    page = text(client.get(f"/c/{world.a.community.id}/members"))
    m = world.a.member
    assert f'/c/{world.a.community.id}/members/{m.id}"' in page
    for shown in (m.name, "男", "直管", "1号楼党支部", "1单元党小组", "正式党员", "13909370001", "在册"):
        assert shown in page
    assert "登记党员" in page


def test_phone_is_masked_for_district(client, auth, world):
    login(auth, world, Role.DISTRICT)
    page = text(client.get(f"/c/{world.a.community.id}/members"))
    assert "139****0001" in page
    assert "13909370001" not in page
    assert "登记党员" not in page


def test_branch_secretary_sees_his_members_phones(client, auth, world):
    login(auth, world, Role.BRANCH_SECRETARY)
    assert "13909370001" in text(client.get(f"/c/{world.a.community.id}/members"))


@pytest.mark.parametrize("query,shown,hidden", [
    ("category=assisted", "a李四", "a张三"),
    ("branch={functional}", "a李四", "a张三"),
    ("group={group}", "a张三", "a李四"),
    ("building={building}", "a张三", "a李四"),
    ("q=张", "a张三", "a李四"),
])
def test_list_filters(client, auth, world, query, shown, hidden):
    login(auth, world, Role.STAFF)
    query = query.format(functional=world.a.functional.id, group=world.a.group.id, building=world.a.building.id)
    page = text(client.get(f"/c/{world.a.community.id}/members?{query}"))
    assert shown in page
    assert hidden not in page


def test_member_type_filter(client, auth, world):
    factories.member(world.a.community, name="a预备", member_type="probationary", full_on=None)
    db.session.commit()
    login(auth, world, Role.STAFF)
    page = text(client.get(f"/c/{world.a.community.id}/members?type=probationary"))
    assert "a预备" in page
    assert "a张三" not in page


def test_status_filter_defaults_to_active(client, auth, world):
    world.a.other_member.status = MemberStatus.TRANSFERRED_OUT
    db.session.commit()
    login(auth, world, Role.STAFF)
    cid = world.a.community.id
    assert "a李四" not in text(client.get(f"/c/{cid}/members"))
    assert "a李四" in text(client.get(f"/c/{cid}/members?status=all"))
    page = text(client.get(f"/c/{cid}/members?status=transferred_out"))
    assert "a李四" in page and "a张三" not in page


def test_search_by_id_tail_only_for_who_may_see_ids(client, auth, world):
    tail = world.a.member.id_number[-6:]
    cid = world.a.community.id
    login(auth, world, Role.STAFF)
    assert "a张三" in text(client.get(f"/c/{cid}/members?q={tail}"))
    login(auth, world, Role.DISTRICT)
    assert "a张三" not in text(client.get(f"/c/{cid}/members?q={tail}"))
    login(auth, world, Role.BRANCH_SECRETARY)
    assert "a张三" not in text(client.get(f"/c/{cid}/members?q={tail}"))


def test_too_short_id_tail_is_a_name_search(client, auth, world):
    login(auth, world, Role.STAFF)
    tail = world.a.member.id_number[-3:]
    assert "a张三" not in text(client.get(f"/c/{world.a.community.id}/members?q={tail}"))


def test_empty_states(client, auth, world):
    login(auth, world, Role.STAFF)
    cid = world.a.community.id
    page = text(client.get(f"/c/{cid}/members?q=无此人"))
    assert "没有符合条件的党员" in page
    for m in (world.a.member, world.a.other_member):
        m.status = MemberStatus.DECEASED
    db.session.commit()
    page = text(client.get(f"/c/{cid}/members"))
    assert "本社区还没有在册党员档案" in page
    assert f"/c/{cid}/members/new" in page


def test_list_paginates_and_keeps_filters(client, auth, world):
    for i in range(25):
        factories.member(world.a.community, name=f"a党员{i:02d}")
    db.session.commit()
    login(auth, world, Role.STAFF)
    page = text(client.get(f"/c/{world.a.community.id}/members?category=direct"))
    assert "共 26 条" in page
    assert re.search(r'href="[^"]*page=2[^"]*"', page)
    link = re.search(r'href="([^"]*page=2[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "category=direct" in link
    assert "共 26 条，第 2 / 2 页" in text(client.get(link))


def test_list_loads_branches_and_groups_without_n_plus_one(client, auth, world):
    login(auth, world, Role.STAFF)
    cid = world.a.community.id

    def queries() -> int:
        db.session.expire_all()
        seen = []

        def listener(conn, cursor, statement, *rest):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/c/{cid}/members?status=all").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = queries()
    for i in range(6):
        factories.member(world.a.community, name=f"a多{i}", branch_id=world.a.branch.id, group_id=world.a.group.id)
    db.session.commit()
    assert queries() == few


# --- detail, masking, reveal ----------------------------------------------------------------

def test_detail_groups_and_masks_id_by_default(client, auth, world):
    login(auth, world, Role.STAFF)
    m = world.a.member
    page = text(client.get(f"/c/{world.a.community.id}/members/{m.id}"))
    for heading in ("基本信息", "党籍信息", "工作与居住", "组织关系", "变更记录"):
        assert heading in page
    assert m.id_number not in page
    assert m.id_number[:6] + "********" + m.id_number[-4:] in page
    assert "显示完整身份证号" in page
    assert "13909370001" in page and "1号楼1单元101室" in page


@pytest.mark.parametrize("role", [Role.DISTRICT, Role.BRANCH_SECRETARY])
def test_detail_for_readers(client, auth, world, role):
    login(auth, world, role)
    m = world.a.member
    page = text(client.get(f"/c/{world.a.community.id}/members/{m.id}"))
    assert m.id_number not in page
    assert "显示完整身份证号" not in page
    assert "/edit" not in page and "/status" not in page
    if role == Role.DISTRICT:
        assert "13909370001" not in page and "1号楼1单元101室" not in page
        assert "无权查看" in page
    else:  # his own branch's member
        assert "13909370001" in page


def test_reveal_shows_full_number_once_and_is_audited(client, auth, world):
    user = login(auth, world, Role.STAFF)
    m = world.a.member
    url = f"/c/{world.a.community.id}/members/{m.id}"
    assert client.get(url + "/reveal-id").status_code == 405
    r = client.post(url + "/reveal-id")
    assert r.status_code == 200
    assert m.id_number in text(r)
    rows = audit_rows(m, "reveal")
    assert len(rows) == 1 and rows[0].user_id == user.id and rows[0].field == "id_number"
    page = text(client.get(url))
    assert m.id_number not in page
    assert "查看完整身份证号" in page  # the reveal is listed in the history


# --- create -----------------------------------------------------------------------------

def test_create_member(client, auth, world):
    user = login(auth, world, Role.STAFF)
    data = member_form(world.a, name="王建国", relation_here=None)
    r = client.post(f"/c/{world.a.community.id}/members/new", data=data)
    assert r.status_code == 302
    m = db.session.scalar(select(Member).where(Member.name == "王建国"))
    assert r.headers["Location"].endswith(f"/members/{m.id}")
    assert m.community_id == world.a.community.id
    assert m.id_number == data["id_number"] and m.id_legacy is False
    assert m.branch_id == world.a.branch.id and m.group_id == world.a.group.id
    assert m.stair_unit_id == world.a.stair_units[0].id and m.room == "302"
    assert m.category == Category.DIRECT and m.relation_here is True  # forced for direct members
    assert m.status == MemberStatus.ACTIVE and m.birth_date == date(1970, 3, 8)
    rows = audit_rows(m)
    assert [(e.action, e.user_id) for e in rows] == [("create", user.id)]
    page = text(client.get(r.headers["Location"]))
    assert "已登记党员王建国" in page and "新建档案" in page


def test_create_legacy_assisted_member(client, auth, world):
    login(auth, world, Role.SECRETARY)
    data = member_form(world.a, name="李秀英", gender="female", birth_date="1950-01-02", id_number="620202500102002",
                       joined_on="1975-07-01", full_on="1976-07-01", category="assisted", relation_here=None,
                       branch_id=str(world.a.functional.id), group_id="0", building_id="0", stair_unit_id="0",
                       phone="0937-6221234")
    assert client.post(f"/c/{world.a.community.id}/members/new", data=data).status_code == 302
    m = db.session.scalar(select(Member).where(Member.name == "李秀英"))
    assert m.id_legacy is True and m.relation_here is False and m.building_id is None


def test_new_form_preselects_branch_from_link(client, auth, world):
    login(auth, world, Role.STAFF)
    page = text(client.get(f"/c/{world.a.community.id}/members/new?branch={world.a.functional.id}"))
    assert f'<option selected value="{world.a.functional.id}">' in page or \
        f'value="{world.a.functional.id}" selected' in page


# --- edit -------------------------------------------------------------------------------

def _edit_data(world, m, **over):
    data = member_form(world.a, name=m.name, id_number=m.id_number, birth_date=m.birth_date.isoformat(),
                       joined_on=m.joined_on.isoformat(), full_on=m.full_on.isoformat(), version=str(m.version),
                       education=m.education, work_unit=m.work_unit, post=m.post, room=m.room)
    data.update(over)
    return data


def test_edit_form_is_prefilled(client, auth, world):
    login(auth, world, Role.STAFF)
    m = world.a.member
    page = text(client.get(f"/c/{world.a.community.id}/members/{m.id}/edit"))
    assert f'value="{m.name}"' in page and f'value="{m.version}"' in page


def test_edit_member_audits_each_change(client, auth, world):
    user = login(auth, world, Role.STAFF)
    m = world.a.member
    old_version = m.version
    data = _edit_data(world, m, phone="0937-6221234", branch_id=str(world.a.functional.id), group_id="0")
    r = client.post(f"/c/{world.a.community.id}/members/{m.id}/edit", data=data)
    assert r.status_code == 302
    db.session.refresh(m)
    assert m.phone == "0937-6221234" and m.branch_id == world.a.functional.id and m.group_id is None
    assert m.version == old_version + 1
    rows = audit_rows(m, "update")
    assert {e.field for e in rows} == {"phone", "branch_id", "group_id"}
    assert all(e.user_id == user.id for e in rows)
    page = text(client.get(f"/c/{world.a.community.id}/members/{m.id}"))
    history = page.split("变更记录")[1]
    assert "联系电话" in history and "13909370001" in history and "0937-6221234" in history
    assert "所在党支部" in history and "1号楼党支部" in history and "便民服务党支部" in history
    assert user.display_name in history


def test_history_hides_phone_changes_from_district(client, auth, world):
    login(auth, world, Role.STAFF)
    m = world.a.member
    client.post(f"/c/{world.a.community.id}/members/{m.id}/edit", data=_edit_data(world, m, phone="13800001111"))
    login(auth, world, Role.DISTRICT)
    page = text(client.get(f"/c/{world.a.community.id}/members/{m.id}"))
    assert "13800001111" not in page and "联系电话" in page


def test_stale_edit_is_refused(client, auth, world):
    login(auth, world, Role.STAFF)
    m = world.a.member
    stale = _edit_data(world, m, phone="13800001111")
    m.post = "楼长"  # someone else saves first
    db.session.commit()
    before = counts()
    r = client.post(f"/c/{world.a.community.id}/members/{m.id}/edit", data=stale)
    assert r.status_code == 200
    assert "此记录已被他人修改" in text(r)
    assert counts() == before
    db.session.refresh(m)
    assert m.phone == "13909370001"


def test_edit_bad_input_writes_nothing(client, auth, world):
    login(auth, world, Role.STAFF)
    m = world.a.member
    before = counts()
    r = client.post(f"/c/{world.a.community.id}/members/{m.id}/edit", data=_edit_data(world, m, full_on="1980-01-01"))
    assert r.status_code == 200 and "转正日期不能早于入党日期" in text(r)
    assert counts() == before
    db.session.refresh(m)
    assert m.full_on == date(1986, 7, 1)


# --- status -----------------------------------------------------------------------------

def test_transfer_out(client, auth, world):
    user = login(auth, world, Role.SECRETARY)
    m = world.a.member
    url = f"/c/{world.a.community.id}/members/{m.id}/status"
    page = text(client.get(url))
    assert "data-confirm" in page and "介绍信编号" in page
    r = client.post(url, data={"status": "transferred_out", "status_on": "2026-01-15",
                               "status_reason": "介绍信 嘉组转字〔2026〕12号，转往酒泉市肃州区某社区党委", "version": str(m.version)})
    assert r.status_code == 302
    db.session.refresh(m)
    assert m.status == MemberStatus.TRANSFERRED_OUT and m.status_on == date(2026, 1, 15)
    assert "嘉组转字" in m.status_reason
    rows = audit_rows(m, "status")
    assert {e.field for e in rows} == {"status", "status_on", "status_reason"}
    assert all(e.user_id == user.id for e in rows)
    assert any(e.old_value == "在册" and e.new_value == "已转出" for e in rows)
    page = text(client.get(f"/c/{world.a.community.id}/members/{m.id}"))
    assert "已转出" in page and "状态变更" in page
    assert m.name not in text(client.get(f"/c/{world.a.community.id}/members"))


def test_status_needs_reason_and_date(client, auth, world):
    login(auth, world, Role.STAFF)
    m = world.a.member
    before = counts()
    r = client.post(f"/c/{world.a.community.id}/members/{m.id}/status",
                    data={"status": "deceased", "status_on": "", "status_reason": "", "version": str(m.version)})
    assert r.status_code == 200
    assert "请填写变更日期" in text(r) and "请填写变更原因" in text(r)
    assert counts() == before
    assert db.session.get(Member, m.id).status == MemberStatus.ACTIVE


def test_status_cannot_be_active(client, auth, world):
    login(auth, world, Role.STAFF)
    m = world.a.member
    before = counts()
    r = client.post(f"/c/{world.a.community.id}/members/{m.id}/status",
                    data={"status": "active", "status_on": "2026-01-01", "status_reason": "x", "version": str(m.version)})
    assert r.status_code == 200
    assert counts() == before
