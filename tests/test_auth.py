"""Logging in and out, throttling, redirects, passwords."""
import re

import pytest

from partyorg import create_app
from partyorg.models import Role, User

from .conftest import text
from .dbbackend import unreachable_database_url
from .factories import PASSWORD


def test_anonymous_is_sent_to_login(client, world):
    r = client.get("/")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]


def test_login_with_right_password(client, world):
    r = client.post("/login", data={"username": "a_secretary", "password": PASSWORD}, follow_redirects=True)
    assert r.status_code == 200
    assert "昌盛社区 · 工作台" in text(r)


@pytest.mark.parametrize("username,password", [("a_secretary", "wrong-pass-1"), ("nobody", PASSWORD)])
def test_same_message_for_unknown_user_and_wrong_password(client, world, username, password):
    r = client.post("/login", data={"username": username, "password": password})
    assert r.status_code == 200
    assert "用户名或密码不正确。" in text(r)


def test_inactive_account_cannot_log_in(app, client, world):
    world.a.users[Role.STAFF].active = False
    app.extensions["sqlalchemy"].session.commit()
    r = client.post("/login", data={"username": "a_staff", "password": PASSWORD})
    assert "用户名或密码不正确。" in text(r)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_next_only_redirects_to_this_site(client, world, target):
    r = client.post(f"/login?next={target}", data={"username": "a_secretary", "password": PASSWORD})
    assert r.status_code == 302
    assert r.headers["Location"] == "/"


def test_next_to_local_page(client, world):
    r = client.post("/login?next=/password", data={"username": "a_secretary", "password": PASSWORD})
    assert r.headers["Location"] == "/password"


def test_login_is_throttled_per_account(client, world):
    for _ in range(10):
        client.post("/login", data={"username": "a_staff", "password": "wrong-pass-1"})
    r = client.post("/login", data={"username": "a_staff", "password": PASSWORD})
    assert r.status_code == 429
    assert "尝试次数过多" in text(r)


def test_login_is_throttled_per_address(client, world):
    for i in range(10):
        client.post("/login", data={"username": f"guess{i}", "password": "wrong-pass-1"})
    r = client.post("/login", data={"username": "a_secretary", "password": PASSWORD})
    assert r.status_code == 429


def test_logout_needs_post(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    assert client.get("/logout").status_code == 405
    r = client.post("/logout", follow_redirects=True)
    assert "您已退出登录" in text(r)
    assert client.get("/").status_code == 302


def test_change_password(app, client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    r = client.post("/password", data={"current": PASSWORD, "password": "short", "confirm": "short"})
    assert "密码至少需要10个字符" in text(r)
    r = client.post("/password", data={"current": "nope", "password": "New-pass-2027", "confirm": "New-pass-2027"})
    assert "当前密码不正确" in text(r)
    r = client.post("/password", data={"current": PASSWORD, "password": "New-pass-2027", "confirm": "New-pass-2027"})
    assert r.status_code == 302
    auth.logout()
    r = client.post("/login", data={"username": "a_staff", "password": "New-pass-2027"})
    assert r.status_code == 302


def test_session_cookie_flags(client, world):
    r = client.post("/login", data={"username": "a_secretary", "password": PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers(client):
    r = client.get("/login")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert not re.search(r"<script>(?!</script>)", text(r)), "no inline script"


def test_csrf_is_required_when_enabled(world):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    client = app.test_client()
    r = client.post("/login", data={"username": "x", "password": "y"})
    assert r.status_code == 400
    assert "安全令牌" in text(r)
    r = client.post("/logout")
    assert r.status_code == 400


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_passwords_are_hashed_by_the_domain(app, world):
    from partyorg.domain import accounts
    from partyorg.extensions import db

    u = accounts.create_user(None, "newstaff", "新员工", "Good-pass-2026", Role.STAFF, world.a.community.id)
    db.session.commit()
    stored = db.session.get(User, u.id).password_hash
    assert "Good-pass-2026" not in stored and stored.startswith("scrypt:")


def test_healthz(client, app):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": unreachable_database_url(tmp_path)})
    r = app.test_client().get("/healthz")
    assert r.status_code == 503


@pytest.mark.parametrize("role,lands_on", [
    (Role.BRANCH_SECRETARY, "/branches/"),
    (Role.LIAISON, "/activities"),
])
def test_home_sends_narrow_roles_to_their_own_page(client, auth, world, role, lands_on):
    auth.login(world.a.users[role])
    r = client.get("/")
    assert r.status_code == 302
    assert lands_on in r.headers["Location"]


def test_navigation_follows_the_role(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    page = text(client.get("/"))
    for label in ("待办", "党员", "党支部", "驻区单位", "大党委", "联建活动"):
        assert f">{label}</a>" in page
    assert ">账号</a>" not in page
    auth.login(world.a.users[Role.LIAISON])
    page = text(client.get("/c/%d/activities" % world.a.community.id))
    assert ">联建活动</a>" in page and ">党员</a>" not in page
