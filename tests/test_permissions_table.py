"""Every route x role x own/other community: the status a user gets.

The route list comes from the URL map, so a new route fails `test_every_route_is_in_the_table`
until it is given a row here.
"""
import pytest

from partyorg import create_app
from partyorg.models import Role

from .conftest import text

D, S, ST, B, L = Role.DISTRICT, Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON
ALL = {D, S, ST, B, L}
VIEW = {D, S, ST}
OFFICE = {S, ST}


def args_for(side, **extra):
    return {"cid": side.community.id, **extra}


# rule -> (method, roles allowed in their own scope, function(side) -> URL values).
# Branch ids: `bid` in org.* is a branch, in places.* a building.
TABLE = {
    "/": ("GET", ALL, None),
    "/password": ("GET", ALL, None),
    "/communities": ("GET", {D}, None),
    "/communities/new": ("GET", {D}, None),
    "/c/<int:cid>": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/edit": ("GET", {D, S}, lambda s: args_for(s)),
    "/c/<int:cid>/committee/edit": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/grids": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/grids/new": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/grids/<int:gid>": ("GET", VIEW, lambda s: args_for(s, gid=s.grid.id)),
    "/c/<int:cid>/grids/<int:gid>/edit": ("GET", {S}, lambda s: args_for(s, gid=s.grid.id)),
    "/c/<int:cid>/grids/<int:gid>/officers/new": ("GET", {S}, lambda s: args_for(s, gid=s.grid.id)),
    "/c/<int:cid>/grids/<int:gid>/officers/<int:oid>/remove": (
        "POST", {S}, lambda s: args_for(s, gid=s.grid.id, oid=s.grid.officers[0].id)),
    "/c/<int:cid>/buildings": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/buildings/new": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/buildings/<int:bid>": ("GET", VIEW, lambda s: args_for(s, bid=s.building.id)),
    "/c/<int:cid>/buildings/<int:bid>/edit": ("GET", {S}, lambda s: args_for(s, bid=s.building.id)),
    "/c/<int:cid>/buildings/<int:bid>/stair-units": ("POST", {S}, lambda s: args_for(s, bid=s.building.id)),
    "/c/<int:cid>/branches": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/branches/new": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/branch-subtypes": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/branches/<int:bid>": ("GET", VIEW | {B}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/branches/<int:bid>/edit": ("GET", {S}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/branches/<int:bid>/dissolve": ("GET", {S}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/branches/<int:bid>/unit-groups": ("POST", {S}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/branches/<int:bid>/groups/new": ("GET", {S, B}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/groups/<int:gid>/edit": ("GET", {S, B}, lambda s: args_for(s, gid=s.group.id)),
    "/c/<int:cid>/units": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/units/new": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/units/<int:uid>": ("GET", VIEW | {L}, lambda s: args_for(s, uid=s.unit.id)),
    "/c/<int:cid>/units/<int:uid>/edit": ("GET", {S}, lambda s: args_for(s, uid=s.unit.id)),
    "/c/<int:cid>/members": ("GET", VIEW | {B}, lambda s: args_for(s)),
    "/c/<int:cid>/members/new": ("GET", OFFICE, lambda s: args_for(s)),
    "/c/<int:cid>/members/<int:mid>": ("GET", VIEW | {B}, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/members/<int:mid>/edit": ("GET", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/members/<int:mid>/status": ("GET", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/members/<int:mid>/reveal-id": ("POST", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/accounts": ("GET", {D}, None),
    "/accounts/new": ("GET", {D}, None),
    "/c/<int:cid>/accounts": ("GET", {D, S}, lambda s: args_for(s)),
    "/c/<int:cid>/accounts/new": ("GET", {D, S}, lambda s: args_for(s)),
    # The target is the community's staff account: the district manages only district and
    # secretary accounts.
    "/accounts/<int:uid>/edit": ("GET", {S}, lambda s: {"uid": s.users[Role.STAFF].id}),
    "/accounts/<int:uid>/password": ("POST", {S}, lambda s: {"uid": s.users[Role.STAFF].id}),
}
#: Open to everyone, logged in or not.
PUBLIC = {"/login", "/healthz", "/logout", "/static/<path:filename>", "/bootstrap/static/<path:filename>"}


def app_rules():
    app = create_app("testing")
    return {r.rule for r in app.url_map.iter_rules()}


def test_every_route_is_in_the_table():
    missing = app_rules() - set(TABLE) - PUBLIC
    assert not missing, f"routes without a permission row: {sorted(missing)}"
    stale = set(TABLE) - app_rules()
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


def build(rule: str, values: dict) -> str:
    url = rule
    for key, value in values.items():
        url = url.replace(f"<int:{key}>", str(value))
    assert "<" not in url, url
    return url


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={})


def user_of(world, role):
    return world.district if role == D else world.a.users[role]


@pytest.mark.parametrize("rule", sorted(TABLE))
@pytest.mark.parametrize("role", [D, S, ST, B, L], ids=lambda r: r.value)
def test_own_scope(client, auth, world, rule, role):
    method, allowed, values = TABLE[rule]
    auth.login(user_of(world, role))
    r = request(client, method, build(rule, values(world.a) if values else {}))
    if role in allowed:
        assert r.status_code in (200, 302), f"{role} {rule}: {r.status_code}"
        if r.status_code == 200:
            assert '<html lang="zh-CN">' in text(r)
    else:
        assert r.status_code == 403, f"{role} {rule}: {r.status_code}"
        assert "无权访问" in text(r)


@pytest.mark.parametrize("rule", sorted(r for r, (_, _, v) in TABLE.items() if v))
@pytest.mark.parametrize("role", [S, ST, B, L], ids=lambda r: r.value)
def test_other_community_is_refused(client, auth, world, rule, role):
    method, _, values = TABLE[rule]
    auth.login(world.a.users[role])
    r = request(client, method, build(rule, values(world.b)))
    assert r.status_code in (403, 404), f"{role} {rule}: {r.status_code}"


@pytest.mark.parametrize("rule", sorted(TABLE))
def test_anonymous_goes_to_login(client, world, rule):
    method, _, values = TABLE[rule]
    r = request(client, method, build(rule, values(world.a) if values else {}))
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]
