"""Input at the limits of the database: refused with a clear message on SQLite and on PostgreSQL.

PostgreSQL refuses what SQLite stores or converts (an id beyond its 32-bit integers, a NUL
character in text) and runs logins side by side; these pin down what the user sees then.
"""
from datetime import date

import pytest
from sqlalchemy import func, select

from partyorg.domain.errors import DomainError
from partyorg.domain.members import create_member
from partyorg.extensions import db
from partyorg.models import Member, Role, User

from .conftest import text
from .factories import PASSWORD
from .test_attack_properties import valid_member


@pytest.mark.parametrize("field", ["name", "work_unit", "room"])
def test_member_text_with_a_nul_character_is_refused(world, field):
    before = db.session.scalar(select(func.count(Member.id)))
    with pytest.raises(DomainError, match="含有无效字符"):
        create_member(world.a.users[Role.SECRETARY], world.a.community.id,
                      {**valid_member(), field: "王\x00五"}, today=date(2026, 11, 27))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Member.id))) == before


def test_search_for_text_with_a_nul_character_is_no_server_error(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(f"/c/{world.a.community.id}/members", query_string={"q": "张\x00三"})
    # SQLite searches for it and finds nobody; PostgreSQL cannot compare text holding NUL (400).
    assert r.status_code in (200, 400)
    if r.status_code == 400:
        assert "请求参数不正确" in text(r)


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_record_id_beyond_the_database_integers_is_refused(client, auth, world, number):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(f"/c/{world.a.community.id}/members/{number}")
    # PostgreSQL cannot even compare such a number with an INTEGER column (400); SQLite finds no row (404).
    assert r.status_code in (400, 404)
    assert "请求参数不正确" in text(r) or "页面不存在" in text(r)


@pytest.mark.parametrize("field", ["branch_id", "building_id", "group_id"])
def test_member_reference_beyond_the_database_integers_is_a_domain_error(world, field):
    with pytest.raises(DomainError, match="不属于"):
        create_member(world.a.users[Role.SECRETARY], world.a.community.id,
                      {**valid_member(), field: 2**31}, today=date(2026, 11, 27))
    db.session.rollback()


def test_logging_in_records_the_time_but_leaves_the_account_version(client, world):
    """An edit of the account opened before the login still saves; two logins at once both succeed."""
    user = world.a.users[Role.SECRETARY]
    version = user.version
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.last_login_at is not None
    assert stored.version == version
