"""flaskr-style fixtures: app, client, runner, world, login.

The database is SQLite in memory, or PostgreSQL when PARTYORG_TEST_DB=postgresql (tests/dbbackend.py).
"""
import dataclasses
from contextlib import contextmanager

import pytest
from flask import current_app, g
from sqlalchemy import select

from config import TestingConfig
from partyorg import create_app
from partyorg.extensions import db

from . import dbbackend, factories
from .browser import browser, live_server  # noqa: F401  (fixtures for the browser tests)

#: app.extensions key: the snapshot the app's database was last loaded from.
LOADED = "partyorg_tests_snapshot"
ONLY = {"sqlite_only": "sqlite", "postgresql_only": "postgresql"}


def pytest_report_header(config):
    return f"database backend: {dbbackend.BACKEND} (PARTYORG_TEST_DB)"


def pytest_collection_modifyitems(config, items):
    """Skip the tests marked for the other backend, saying why they cannot run on this one."""
    for item in items:
        for marker, backend in ONLY.items():
            mark = item.get_closest_marker(marker)
            if mark is None or backend == dbbackend.BACKEND:
                continue
            if not mark.args:
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{marker} needs a reason")
            item.add_marker(pytest.mark.skip(reason=f"{backend} only, this run is on {dbbackend.BACKEND}: "
                                                    f"{mark.args[0]}"))


def pytest_sessionfinish(session, exitstatus):
    dbbackend.shutdown()


def _serialize():
    """A snapshot of the current database: bytes (SQLite) or a dbbackend.Snapshot (PostgreSQL)."""
    if dbbackend.ON_POSTGRESQL:
        # The snapshot is read through another connection: it sees what is committed.
        db.session.commit()
        db.session.remove()
        return dbbackend.take_snapshot(db.engine.url.database)
    raw = db.engine.raw_connection()
    try:
        return raw.driver_connection.serialize()
    finally:
        raw.close()


def _deserialize(data) -> None:
    """Replace the current database's contents by a snapshot from _serialize()."""
    db.session.remove()
    if dbbackend.ON_POSTGRESQL:
        db.engine.dispose()
        dbbackend.restore_snapshot(db.engine.url.database, data)
    else:
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.deserialize(data)
        finally:
            raw.close()
    current_app.extensions[LOADED] = data


def _refs(value):
    """Replace model instances in a (nested) dataclass by (class, id), to load them again later."""
    if isinstance(value, db.Model):
        return (type(value), value.id)
    if dataclasses.is_dataclass(value):
        return (type(value), {f.name: _refs(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, list):
        return [_refs(v) for v in value]
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    return value


def _ids(ref, found: dict) -> dict:
    """Model class -> ids of the instances named in `ref`."""
    if isinstance(ref, tuple) and isinstance(ref[0], type):
        cls, payload = ref
        if dataclasses.is_dataclass(cls):
            for v in payload.values():
                _ids(v, found)
        else:
            found.setdefault(cls, set()).add(payload)
    elif isinstance(ref, list):
        for v in ref:
            _ids(v, found)
    elif isinstance(ref, dict):
        for v in ref.values():
            _ids(v, found)
    return found


def _load(ref):
    """Load the instances named in `ref` (one query per class), then rebuild it from the session."""
    # The session's identity map holds instances weakly: keep them until the refs are rebuilt.
    loaded = [db.session.scalars(select(cls).where(cls.id.in_(ids))).all() for cls, ids in _ids(ref, {}).items()]
    rebuilt = _from_session(ref)
    del loaded
    return rebuilt


def _from_session(ref):
    if isinstance(ref, tuple) and isinstance(ref[0], type):
        cls, payload = ref
        if dataclasses.is_dataclass(cls):
            return cls(**{k: _from_session(v) for k, v in payload.items()})
        return db.session.get(cls, payload)  # in the identity map already: no query
    if isinstance(ref, list):
        return [_from_session(v) for v in ref]
    if isinstance(ref, dict):
        return {k: _from_session(v) for k, v in ref.items()}
    return ref


def _config(config, uri: str):
    """`config` (a config class or a dict of overrides) with its database set to `uri`."""
    if isinstance(config, dict):
        return {**config, "SQLALCHEMY_DATABASE_URI": uri}
    return type(config.__name__, (config,), {"SQLALCHEMY_DATABASE_URI": uri})


@pytest.fixture(scope="session")
def db_templates():
    """Build the empty schema and factories.world() once per worker; tests copy them (fast)."""
    if dbbackend.ON_POSTGRESQL:
        base = dbbackend.create_database(name="base")
        app = create_app(_config(TestingConfig, dbbackend.url(base)))
        with app.app_context():
            db.create_all()
            empty = _serialize()
            db.engine.dispose()
        dbbackend.set_base(base)
        with app_on_template({"empty": empty}, "empty"):
            refs = _refs(factories.world())
            filled = _serialize()
        return {"empty": empty, "world": filled, "world_refs": refs}
    app = create_app(_config(TestingConfig, "sqlite://"))
    with app.app_context():
        db.create_all()
        empty = _serialize()
        refs = _refs(factories.world())
        filled = _serialize()
        db.session.remove()
        db.engine.dispose()
    return {"empty": empty, "world": filled, "world_refs": refs}


@contextmanager
def app_on_template(db_templates, key: str, config=TestingConfig):
    """An app, inside its app context, whose database starts as the worker's "empty" or "world" snapshot."""
    snapshot = db_templates[key]
    if dbbackend.ON_POSTGRESQL:
        app = create_app(_config(config, dbbackend.url(dbbackend.acquire_test_database(snapshot))))
    else:
        app = create_app(_config(config, "sqlite://"))

    @app.before_request
    def forget_cached_user():
        # The fixture keeps one app context for the whole test, so `g` outlives requests;
        # drop Flask-Login's cached user so that each request loads it from the session.
        g.pop("_login_user", None)

    with app.app_context():
        if dbbackend.ON_POSTGRESQL:
            app.extensions[LOADED] = snapshot
        else:
            _deserialize(snapshot)
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
            if dbbackend.ON_POSTGRESQL:
                dbbackend.release_test_database()


def load_world(db_templates):
    """factories.world() in the current app's database; objects loaded from it."""
    if current_app.extensions.get(LOADED) is not db_templates["world"]:
        _deserialize(db_templates["world"])
    return _load(db_templates["world_refs"])


@pytest.fixture
def app(db_templates, request):
    # A test that uses `world` starts from the world template at once (one copy, not two).
    with app_on_template(db_templates, "world" if "world" in request.fixturenames else "empty") as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app, db_templates):
    """factories.world(), copied from the worker's template database."""
    return load_world(db_templates)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user):
        """Log `user` in without the form (the login form has its own tests)."""
        with self.client.session_transaction() as sess:
            sess["_user_id"] = str(user.id)
            sess["_fresh"] = True
        return user

    def logout(self):
        with self.client.session_transaction() as sess:
            sess.clear()


@pytest.fixture
def auth(client):
    return Auth(client)


def text(response) -> str:
    return response.get_data(as_text=True)
