"""Concurrent writers (SQLite or PostgreSQL): every write is kept and none fails with "database is locked"."""
import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from partyorg import create_app
from partyorg.extensions import db
from partyorg.models import Grid

from . import factories
from .browser import LiveServer
from .dbbackend import file_database_url

CLIENTS = 6
WRITES_EACH = 8


@pytest.fixture
def file_server(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "concurrency", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": file_database_url(tmp_path, "c")})
    with app.app_context():
        db.create_all()
        w = factories.world()
        cid = w.a.community.id
        db.session.remove()
    with LiveServer(app) as server:
        yield app, server, cid


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def client_opener(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    body = urllib.parse.urlencode({"username": "a_secretary", "password": factories.PASSWORD}).encode()
    try:
        opener.open(base + "/login", body, timeout=30).close()
    except urllib.error.HTTPError as e:
        e.close()
        assert e.code == 302
    return opener


def test_concurrent_creates_all_succeed(file_server):
    app, server, cid = file_server
    statuses: list[int] = []
    lock = threading.Lock()

    def work(n):
        opener = client_opener(server.url)
        for i in range(WRITES_EACH):
            body = urllib.parse.urlencode({"name": f"并发网格{n}-{i}"}).encode()
            try:
                with opener.open(f"{server.url}/c/{cid}/grids/new", body, timeout=60) as r:
                    code = r.status
            except urllib.error.HTTPError as e:
                code = e.code
                e.close()
            with lock:
                statuses.append(code)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses.count(302) == CLIENTS * WRITES_EACH, statuses
    with app.app_context():
        made = db.session.scalar(select(func.count()).select_from(Grid).where(Grid.name.like("并发网格%")))
    assert made == CLIENTS * WRITES_EACH
