"""A live server and Debian's Chromium driven by Playwright, for browser tests."""
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from partyorg import create_app
from partyorg.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)
        # Close the pooled connections now (a PostgreSQL connection left to the GC warns).
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(tmp_path):
    """Serve a database holding factories.world() (a SQLite file or PostgreSQL) on a free loopback port."""
    from . import factories
    from .dbbackend import file_database_url

    app = create_app({"TESTING": True, "SECRET_KEY": "browser-test", "WTF_CSRF_ENABLED": True,
                      "SQLALCHEMY_DATABASE_URI": file_database_url(tmp_path, "browser")})
    with app.app_context():
        db.create_all()
        factories.world()
        db.session.remove()
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian chromium is missing: `make test` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
