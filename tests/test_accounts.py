"""Accounts: lists, creation within the grantable roles, edits, password resets."""
import pytest
from sqlalchemy import select

from partyorg.extensions import db
from partyorg.models import AuditEntry, Role, User

from .conftest import text

NEW_PASSWORD = "Chang-sheng-2026"


def account_form(**kw) -> dict:
    data = {
        "username": "new_staff",
        "display_name": "孙新员",
        "role": Role.STAFF.value,
        "branch_id": "0",
        "resident_unit_id": "0",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(kw)
    return data


def edit_form(account: User, **kw) -> dict:
    data = {
        "display_name": account.display_name,
        "role": account.role.value,
        "branch_id": str(account.branch_id or 0),
        "resident_unit_id": str(account.resident_unit_id or 0),
        "community_id": str(account.community_id or 0),
        "version": str(account.version),
    }
    if account.active:
        data["active"] = "y"
    data.update(kw)
    return data


def by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def can_log_in(client, auth, username: str, password: str) -> bool:
    auth.logout()
    return client.post("/login", data={"username": username, "password": password}).status_code == 302


# --- lists ------------------------------------------------------------------------------

@pytest.mark.parametrize("who,expected", [(Role.SECRETARY, 200), (Role.STAFF, 403), (Role.BRANCH_SECRETARY, 403),
                                          (Role.LIAISON, 403), ("district", 200)])
def test_community_list_by_role(client, auth, world, who, expected):
    auth.login(world.district if who == "district" else world.a.users[who])
    r = client.get(f"/c/{world.a.community.id}/accounts")
    assert r.status_code == expected
    if expected == 200:
        page = text(r)
        assert "a_staff" in page and "a_liaison" in page and "昌盛第一中学" in page and "1号楼党支部" in page
        assert "b_staff" not in page


def test_secretary_list_leaves_out_peers(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{world.a.community.id}/accounts"))
    assert "a_staff" in page and "a_secretary</td>" not in page and "district" not in page


@pytest.mark.parametrize("who", [Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON])
def test_district_list_is_district_only(client, auth, world, who):
    auth.login(world.a.users[who])
    assert client.get("/accounts").status_code == 403
    assert client.get("/accounts/new").status_code == 403


def test_staff_gets_403_on_accounts(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    cid = world.a.community.id
    assert client.get(f"/c/{cid}/accounts").status_code == 403
    assert client.get(f"/c/{cid}/accounts/new").status_code == 403
    assert client.post(f"/c/{cid}/accounts/new", data=account_form()).status_code == 403
    assert client.get(f"/accounts/{world.a.users[Role.LIAISON].id}/edit").status_code == 403
    assert by_username("new_staff") is None


def test_anonymous_goes_to_login(client, world):
    for url in ("/accounts", f"/c/{world.a.community.id}/accounts", f"/accounts/{world.district.id}/edit"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_district_list_and_filter(client, auth, world):
    auth.login(world.district)
    page = text(client.get("/accounts"))
    assert "a_secretary" in page and "b_secretary" in page and "district" in page
    assert "a_staff" not in page
    page = text(client.get(f"/accounts?community={world.b.community.id}"))
    assert "b_secretary" in page and "a_secretary" not in page


def test_secretary_cannot_reach_other_community(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    bid = world.b.community.id
    assert client.get(f"/c/{bid}/accounts").status_code == 403
    assert client.get(f"/c/{bid}/accounts/new").status_code == 403
    assert client.get(f"/accounts/{world.b.users[Role.STAFF].id}/edit").status_code == 403
    r = client.post(f"/accounts/{world.b.users[Role.STAFF].id}/password",
                    data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 403


def test_secretary_cannot_edit_district_or_secretary_accounts(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    assert client.get(f"/accounts/{world.district.id}/edit").status_code == 403
    assert client.get(f"/accounts/{world.b.users[Role.SECRETARY].id}/edit").status_code == 403
    # Nobody edits his own role or active flag.
    assert client.get(f"/accounts/{world.a.users[Role.SECRETARY].id}/edit").status_code == 403


def test_missing_account_is_404(client, auth, world):
    auth.login(world.district)
    assert client.get("/accounts/9999/edit").status_code == 404


# --- create -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "role,extra",
    [(Role.STAFF, {}), (Role.BRANCH_SECRETARY, {"branch": True}), (Role.LIAISON, {"unit": True})],
)
def test_secretary_creates_community_accounts(client, auth, world, role, extra):
    auth.login(world.a.users[Role.SECRETARY])
    cid = world.a.community.id
    data = account_form(username="new_one", role=role.value)
    if extra.get("branch"):
        data["branch_id"] = str(world.a.functional.id)
    if extra.get("unit"):
        data["resident_unit_id"] = str(world.a.unit.id)
    r = client.post(f"/c/{cid}/accounts/new", data=data)
    assert r.status_code == 302
    user = by_username("new_one")
    assert user.role == role and user.community_id == cid and user.active
    assert user.branch_id == (world.a.functional.id if extra.get("branch") else None)
    assert user.resident_unit_id == (world.a.unit.id if extra.get("unit") else None)
    assert NEW_PASSWORD not in user.password_hash
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "user_account",
                                                          AuditEntry.entity_id == user.id)).all()
    assert [e.action for e in entries] == ["create"]
    assert all(NEW_PASSWORD not in (e.old_value + e.new_value) for e in entries)
    page = text(client.get(r.headers["Location"]))
    assert "已创建账号" in page and "new_one" in page and NEW_PASSWORD not in page
    assert can_log_in(client, auth, "new_one", NEW_PASSWORD)


def test_new_form_offers_only_grantable_roles(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{world.a.community.id}/accounts/new"))
    assert 'value="staff"' in page and 'value="liaison"' in page and 'value="branch_secretary"' in page
    assert 'value="district"' not in page and 'value="secretary"' not in page
    assert "1号楼党支部" in page and "昌盛第一中学" in page
    assert "新华第一中学" not in page


@pytest.mark.parametrize("role", [Role.DISTRICT, Role.SECRETARY])
def test_secretary_cannot_forge_higher_role(client, auth, world, role):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/accounts/new", data=account_form(username="sneaky", role=role.value))
    assert r.status_code == 200 and "请从列表中选择" in text(r)
    assert by_username("sneaky") is None


def test_branch_secretary_needs_branch(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/accounts/new", data=account_form(role="branch_secretary"))
    assert r.status_code == 200 and "支部书记账号须选择本社区的一个党支部" in text(r)
    assert by_username("new_staff") is None


def test_liaison_needs_unit(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/accounts/new", data=account_form(role="liaison"))
    assert r.status_code == 200 and "联络员账号须选择本社区的一个驻区单位" in text(r)
    assert by_username("new_staff") is None


def test_branch_or_unit_of_other_community_is_refused(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid = world.a.community.id
    r = client.post(f"/c/{cid}/accounts/new",
                    data=account_form(role="branch_secretary", branch_id=str(world.b.branch.id)))
    assert r.status_code == 200 and "请从列表中选择" in text(r)
    r = client.post(f"/c/{cid}/accounts/new", data=account_form(role="liaison", resident_unit_id=str(world.b.unit.id)))
    assert r.status_code == 200 and "请从列表中选择" in text(r)
    assert by_username("new_staff") is None


def test_domain_refuses_branch_of_other_community(app, world):
    from partyorg.domain import accounts
    from partyorg.domain.errors import DomainError

    with pytest.raises(DomainError, match="支部书记账号须选择本社区"):
        accounts.create_user(world.a.users[Role.SECRETARY], "x_branch", "某", NEW_PASSWORD,
                             Role.BRANCH_SECRETARY, world.a.community.id, world.b.branch.id)
    with pytest.raises(DomainError, match="只能为本社区创建账号"):
        accounts.create_user(world.a.users[Role.SECRETARY], "x_staff", "某", NEW_PASSWORD,
                             Role.STAFF, world.b.community.id)
    with pytest.raises(DomainError, match="您无权授予该角色"):
        accounts.create_user(world.a.users[Role.SECRETARY], "x_district", "某", NEW_PASSWORD, Role.DISTRICT)


@pytest.mark.parametrize(
    "password,confirm,message",
    [
        ("short1", "short1", "密码至少需要10个字符"),
        ("onlyletterspassword", "onlyletterspassword", "密码须同时包含字母和数字"),
        ("new_staff-2026", "new_staff-2026", "密码不能包含用户名"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "两次输入的密码不一致"),
    ],
)
def test_weak_password_is_refused(client, auth, world, password, confirm, message):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/accounts/new", data=account_form(password=password, confirm=confirm))
    assert r.status_code == 200 and message in text(r)
    assert password not in text(r)
    assert by_username("new_staff") is None


def test_duplicate_username(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/accounts/new", data=account_form(username="b_staff"))
    assert r.status_code == 200 and "该用户名已被使用" in text(r)
    assert db.session.scalars(select(User).where(User.username == "b_staff")).all()[0].community_id == world.b.community.id


def test_bad_username_and_missing_name(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid = world.a.community.id
    r = client.post(f"/c/{cid}/accounts/new", data=account_form(username="孙 新员"))
    assert r.status_code == 200 and "用户名须为3至40位" in text(r)
    r = client.post(f"/c/{cid}/accounts/new", data=account_form(display_name=""))
    assert r.status_code == 200 and "请填写姓名" in text(r)


def test_district_creates_secretary_for_community(client, auth, world):
    auth.login(world.district)
    page = text(client.get("/accounts/new"))
    assert 'value="secretary"' in page and 'value="district"' in page and 'value="staff"' not in page
    cid = world.b.community.id
    r = client.post("/accounts/new", data={"username": "b_secretary2", "display_name": "周书记", "role": "secretary",
                                           "community_id": str(cid), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    user = by_username("b_secretary2")
    assert user.role == Role.SECRETARY and user.community_id == cid
    assert can_log_in(client, auth, "b_secretary2", NEW_PASSWORD)


def test_district_secretary_needs_community(client, auth, world):
    auth.login(world.district)
    r = client.post("/accounts/new", data={"username": "nowhere", "display_name": "吴书记", "role": "secretary",
                                           "community_id": "0", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 200 and "请选择账号所属社区" in text(r)
    assert by_username("nowhere") is None


def test_district_creates_district_account_without_community(client, auth, world):
    auth.login(world.district)
    r = client.post("/accounts/new", data={"username": "district2", "display_name": "郑干事", "role": "district",
                                           "community_id": str(world.a.community.id),
                                           "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert by_username("district2").community_id is None


def test_district_may_not_create_staff(client, auth, world):
    auth.login(world.district)
    r = client.post(f"/c/{world.a.community.id}/accounts/new", data=account_form())
    assert r.status_code == 200 and "请从列表中选择" in text(r)
    assert by_username("new_staff") is None


def test_script_tags_are_escaped(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid = world.a.community.id
    r = client.post(f"/c/{cid}/accounts/new", data=account_form(display_name="<script>alert(1)</script>"))
    assert r.status_code == 302
    page = text(client.get(f"/c/{cid}/accounts"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


# --- edit, deactivate, reset password ---------------------------------------------------

def test_secretary_edits_staff_into_branch_secretary(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    staff = world.a.users[Role.STAFF]
    r = client.get(f"/accounts/{staff.id}/edit")
    assert r.status_code == 200 and "a_staff" in text(r) and 'value="district"' not in text(r)
    r = client.post(f"/accounts/{staff.id}/edit",
                    data=edit_form(staff, display_name="钱支书", role="branch_secretary", branch_id=str(world.a.branch.id)))
    assert r.status_code == 302
    db.session.refresh(staff)
    assert staff.role == Role.BRANCH_SECRETARY and staff.branch_id == world.a.branch.id
    assert staff.display_name == "钱支书"
    fields = set(db.session.scalars(select(AuditEntry.field).where(AuditEntry.entity == "user_account",
                                                                  AuditEntry.entity_id == staff.id)))
    assert {"role", "branch_id", "display_name"} <= fields


def test_deactivate_and_reactivate(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    liaison = world.a.users[Role.LIAISON]
    data = edit_form(liaison)
    data.pop("active")
    assert client.post(f"/accounts/{liaison.id}/edit", data=data).status_code == 302
    db.session.refresh(liaison)
    assert liaison.active is False
    assert "已停用" in text(client.get(f"/c/{world.a.community.id}/accounts"))
    assert client.post(f"/accounts/{liaison.id}/edit", data=edit_form(liaison, active="y")).status_code == 302
    db.session.refresh(liaison)
    assert liaison.active is True
    assert db.session.get(User, liaison.id) is not None


def test_edit_cannot_forge_role_or_foreign_branch(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    staff = world.a.users[Role.STAFF]
    r = client.post(f"/accounts/{staff.id}/edit", data=edit_form(staff, role="secretary"))
    assert r.status_code == 200 and "请从列表中选择" in text(r)
    r = client.post(f"/accounts/{staff.id}/edit",
                    data=edit_form(staff, role="branch_secretary", branch_id=str(world.b.branch.id)))
    assert r.status_code == 200
    db.session.refresh(staff)
    assert staff.role == Role.STAFF and staff.branch_id is None


def test_liaison_without_unit_on_edit(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    staff = world.a.users[Role.STAFF]
    r = client.post(f"/accounts/{staff.id}/edit", data=edit_form(staff, role="liaison"))
    assert r.status_code == 200 and "联络员账号须选择本社区的一个驻区单位" in text(r)
    db.session.refresh(staff)
    assert staff.role == Role.STAFF


def test_stale_edit_is_refused(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    staff = world.a.users[Role.STAFF]
    old = edit_form(staff, display_name="旧表单")
    staff.display_name = "别人改过"
    db.session.commit()
    r = client.post(f"/accounts/{staff.id}/edit", data=old)
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.refresh(staff)
    assert staff.display_name == "别人改过"


def test_district_moves_secretary_to_other_community(client, auth, world):
    auth.login(world.district)
    sec = world.b.users[Role.SECRETARY]
    r = client.post(f"/accounts/{sec.id}/edit", data=edit_form(sec, community_id=str(world.a.community.id)))
    assert r.status_code == 302
    db.session.refresh(sec)
    assert sec.community_id == world.a.community.id
    # The district does not manage staff accounts.
    assert client.get(f"/accounts/{world.a.users[Role.STAFF].id}/edit").status_code == 403


def test_reset_password(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    staff = world.a.users[Role.STAFF]
    assert client.get(f"/accounts/{staff.id}/password").status_code == 405
    r = client.post(f"/accounts/{staff.id}/password", data={"password": "weakpass", "confirm": "weakpass"})
    assert r.status_code == 200 and "密码至少需要10个字符" in text(r) and "重设密码" in text(r)
    r = client.post(f"/accounts/{staff.id}/password", data={"password": NEW_PASSWORD, "confirm": "other-2026x"})
    assert r.status_code == 200 and "两次输入的密码不一致" in text(r)
    r = client.post(f"/accounts/{staff.id}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "user_account",
                                                          AuditEntry.field == "password_hash")).all()
    assert len(entries) == 1 and entries[0].new_value == "******"
    db.session.refresh(staff)
    assert not any(staff.password_hash in (e.old_value + e.new_value) for e in entries)
    assert can_log_in(client, auth, "a_staff", NEW_PASSWORD)


def test_self_change_is_refused_by_domain(app, world):
    from partyorg.domain import accounts
    from partyorg.domain.errors import DomainError

    sec = world.a.users[Role.SECRETARY]
    with pytest.raises(DomainError, match="不能修改自己账号的角色或启用状态"):
        accounts.update_user(sec, sec, {"active": False})
    with pytest.raises(DomainError, match="不能修改自己账号的角色或启用状态"):
        accounts.update_user(sec, sec, {"role": Role.STAFF})
