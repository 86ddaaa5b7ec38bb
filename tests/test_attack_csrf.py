"""Attack: a POST without a CSRF token is refused everywhere and changes nothing.

The POST routes come from the URL map, so a new route is covered as soon as it exists; its URL
values come from the permission table (a route missing there fails that table's own test).
"""
import pytest
from sqlalchemy import func, select

from partyorg import create_app
from partyorg.extensions import db
from partyorg.models import Role

from .conftest import app_on_template, load_world, text
from .test_permissions_table import TABLE, build

CSRF_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": True,
    "SECRET_KEY": "attack-csrf-secret",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
}


def post_rules() -> list[str]:
    app = create_app(CSRF_CONFIG)
    return sorted({r.rule for r in app.url_map.iter_rules() if "POST" in r.methods})


@pytest.fixture
def csrf_app(db_templates, request):
    template = "world" if "csrf_world" in request.fixturenames else "empty"
    with app_on_template(db_templates, template, config=CSRF_CONFIG) as app:
        yield app


@pytest.fixture
def csrf_world(csrf_app, db_templates):
    return load_world(db_templates)


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def url_for_rule(rule: str, world) -> str:
    _, _, values = TABLE.get(rule, ("POST", set(), None))
    return build(rule, values(world.a) if values else {})


def test_post_routes_are_found():
    rules = post_rules()
    assert "/login" in rules
    assert "/c/<int:cid>/members/new" in rules  # listed in the table as GET, but also takes POST
    assert len(rules) > 30


@pytest.mark.parametrize("rule", post_rules())
@pytest.mark.parametrize("who", ["secretary", "anonymous"])
def test_post_without_token_is_refused(csrf_app, csrf_world, rule, who):
    client = csrf_app.test_client()
    if who == "secretary":
        with client.session_transaction() as sess:
            sess["_user_id"] = str(csrf_world.a.users[Role.SECRETARY].id)
            sess["_fresh"] = True
    url = url_for_rule(rule, csrf_world)  # may create the records the URL names
    before = row_counts()
    r = client.post(url, data={"name": "攻击", "title": "攻击", "version": "1"})
    body = text(r)
    r.close()
    assert r.status_code == 400, f"{who} {rule}: {r.status_code}"
    assert "请求已失效" in body and "安全令牌" in body
    assert row_counts() == before


def test_wrong_token_is_refused(csrf_app, csrf_world):
    client = csrf_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(csrf_world.a.users[Role.SECRETARY].id)
        sess["_fresh"] = True
    before = row_counts()
    r = client.post(build("/c/<int:cid>/grids/new", {"cid": csrf_world.a.community.id}),
                    data={"name": "伪造网格", "csrf_token": "forged.token"})
    assert r.status_code == 400
    assert "请求已失效" in text(r)
    assert row_counts() == before


def test_the_token_from_the_form_is_accepted(csrf_app, csrf_world):
    """The refusals above are for the missing token, not for something else in the request."""
    import re

    client = csrf_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(csrf_world.a.users[Role.SECRETARY].id)
        sess["_fresh"] = True
    url = build("/c/<int:cid>/grids/new", {"cid": csrf_world.a.community.id})
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(client.get(url))).group(1)
    before = row_counts()
    r = client.post(url, data={"name": "第九网格", "csrf_token": token})
    assert r.status_code == 302
    assert row_counts()["grid"] == before["grid"] + 1
