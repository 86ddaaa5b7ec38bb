"""Structured logs: one JSON object per line, one access line per request, no personal data."""
import io
import json
import logging
import urllib.parse

import pytest
from sqlalchemy import text as sql

from config import ProductionConfig
from partyorg import logs
from partyorg.blueprints.members import views as member_views
from partyorg.extensions import db
from partyorg.models import Role

from .conftest import text
from .member_helpers import member_form, valid_id

ACCESS_FIELDS = ("method", "endpoint", "path", "status", "duration_ms", "user_id", "remote_addr")
PHONE = "13909375678"


@pytest.fixture
def log_lines(app):
    """The app's log as JSON at INFO, into a string; call it to get the lines so far."""
    app.config.update(LOG_FORMAT="json", LOG_LEVEL="INFO")
    logs.configure(app)
    stream = io.StringIO()
    logs.installed_handler(app).setStream(stream)
    return lambda: stream.getvalue().splitlines()


def parsed(lines) -> list[dict]:
    return [json.loads(line) for line in lines]


def assert_absent(lines, *secrets):
    """None of `secrets` in the raw lines, in their decoded values, nor percent-encoded."""
    raw = "\n".join(lines)
    decoded = "\n".join(json.dumps(entry, ensure_ascii=False) for entry in parsed(lines))
    for secret in secrets:
        for form in {secret, urllib.parse.quote(secret), urllib.parse.quote_plus(secret)}:
            assert form not in raw, form
            assert form not in decoded, form


def test_every_line_is_json_with_the_request_fields(client, auth, world, log_lines):
    user = auth.login(world.a.users[Role.SECRETARY])
    cid = world.a.community.id
    assert client.get(f"/c/{cid}/members").status_code == 200
    assert client.get(f"/c/{cid}/members/999999").status_code == 404
    auth.logout()
    assert client.get("/login").status_code == 200

    entries = parsed(log_lines())
    access = [e for e in entries if e["logger"] == logs.ACCESS_LOGGER]
    assert [(e["method"], e["path"], e["status"]) for e in access] == [
        ("GET", f"/c/{cid}/members", 200), ("GET", f"/c/{cid}/members/999999", 404), ("GET", "/login", 200),
    ]
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= entry.keys()
    for entry in access:
        assert set(ACCESS_FIELDS) <= entry.keys()
        assert entry["level"] == "INFO"
        assert entry["duration_ms"] >= 0
    assert [e["user_id"] for e in access] == [user.id, user.id, None]
    assert [e["endpoint"] for e in access] == ["members.index", "members.show", "auth.login"]
    assert access[0]["remote_addr"] == "127.0.0.1"


def test_member_form_and_search_leave_no_personal_data(client, auth, world, log_lines):
    auth.login(world.a.users[Role.STAFF])
    side = world.a
    cid = side.community.id
    id_number = valid_id()
    data = member_form(side, name="欧阳振华", id_number=id_number, phone=PHONE, room="1203")
    response = client.post(f"/c/{cid}/members/new", data=data)
    assert response.status_code == 302
    found = client.get(f"/c/{cid}/members", query_string={"q": "欧阳振华"})
    assert "欧阳振华" in text(found)
    by_id = client.get(f"/c/{cid}/members", query_string={"q": id_number[-6:]})
    assert by_id.status_code == 200

    lines = log_lines()
    access = [e for e in parsed(lines) if e["logger"] == logs.ACCESS_LOGGER]
    assert [(e["method"], e["path"], e["status"]) for e in access] == [
        ("POST", f"/c/{cid}/members/new", 302), ("GET", f"/c/{cid}/members", 200), ("GET", f"/c/{cid}/members", 200),
    ]
    assert_absent(lines, "欧阳振华", id_number, id_number[-6:], PHONE, "q=")


def test_an_error_is_logged_with_its_traceback_but_no_form_data(app, client, auth, world, log_lines, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, and the log
    auth.login(world.a.users[Role.STAFF])
    member = world.a.member
    id_number = valid_id()

    def broken_update(actor, member, data, expected_version, today=None):
        # A database error whose statement carries the form's personal data as parameters.
        db.session.execute(sql("INSERT INTO no_such_table (a, b) VALUES (:id_number, :phone)"),
                           {"id_number": data["id_number"], "phone": data["phone"]})

    monkeypatch.setattr(member_views.rules, "update_member", broken_update)
    data = member_form(world.a, name="司马光明", id_number=id_number, phone=PHONE, version=str(member.version))
    response = client.post(f"/c/{world.a.community.id}/members/{member.id}/edit", data=data)
    assert response.status_code == 500
    assert "系统出现错误" in text(response)

    lines = log_lines()
    entries = parsed(lines)
    errors = [e for e in entries if e["level"] == "ERROR"]
    assert len(errors) == 1
    error = errors[0]
    assert error["path"] == f"/c/{world.a.community.id}/members/{member.id}/edit"
    assert error["method"] == "POST"
    assert "Traceback" in error["exception"] and "no_such_table" in error["exception"]
    assert "broken_update" in error["exception"]
    access = [e for e in entries if e["logger"] == logs.ACCESS_LOGGER]
    assert [(e["path"], e["status"]) for e in access] == [(error["path"], 500)]
    assert_absent(lines, "司马光明", id_number, PHONE)


def test_production_logs_json_and_development_text(monkeypatch):
    assert ProductionConfig.LOG_FORMAT == "json"
    from partyorg import create_app

    app = create_app({"LOG_FORMAT": "json", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert isinstance(logs.installed_handler(app).formatter, logs.JsonFormatter)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert not isinstance(logs.installed_handler(app).formatter, logs.JsonFormatter)
    assert len([h for h in app.logger.handlers if getattr(h, "partyorg", False)]) == 1
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        create_app({"LOG_FORMAT": "xml", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})


def test_development_server_request_lines_lose_their_query(caplog):
    from partyorg import create_app

    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('127.0.0.1 - - [date] "%s" %s %s',
                                           "GET /c/1/members?q=%E5%BC%A0%E4%B8%89 HTTP/1.1", "200", "-")
    assert caplog.messages == ['127.0.0.1 - - [date] "GET /c/1/members HTTP/1.1" 200 -']
