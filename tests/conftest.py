"""flaskr-style fixtures: app, client, runner, world, login."""
import dataclasses

import pytest
from flask import g

from partyorg import create_app
from partyorg.extensions import db

from . import factories
from .browser import browser, live_server  # noqa: F401  (fixtures for the browser tests)


def _serialize() -> bytes:
    raw = db.engine.raw_connection()
    try:
        return raw.driver_connection.serialize()
    finally:
        raw.close()


def _deserialize(data: bytes) -> None:
    db.session.remove()
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.deserialize(data)
    finally:
        raw.close()


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


def _load(ref):
    if isinstance(ref, tuple) and isinstance(ref[0], type):
        cls, payload = ref
        if dataclasses.is_dataclass(cls):
            return cls(**{k: _load(v) for k, v in payload.items()})
        return db.session.get(cls, payload)
    if isinstance(ref, list):
        return [_load(v) for v in ref]
    if isinstance(ref, dict):
        return {k: _load(v) for k, v in ref.items()}
    return ref


@pytest.fixture(scope="session")
def db_templates():
    """Build the empty schema and factories.world() once per worker; tests copy them (fast)."""
    app = create_app("testing")
    with app.app_context():
        db.create_all()
        empty = _serialize()
        refs = _refs(factories.world())
        filled = _serialize()
        db.session.remove()
        db.engine.dispose()
    return {"empty": empty, "world": filled, "world_refs": refs}


@pytest.fixture
def app(db_templates):
    app = create_app("testing")

    @app.before_request
    def forget_cached_user():
        # The fixture keeps one app context for the whole test, so `g` outlives requests;
        # drop Flask-Login's cached user so that each request loads it from the session.
        g.pop("_login_user", None)

    with app.app_context():
        _deserialize(db_templates["empty"])
        yield app
        # Each test has its own in-memory database; dropping it with its engine is enough.
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app, db_templates):
    """factories.world(), copied from the worker's template database."""
    _deserialize(db_templates["world"])
    return _load(db_templates["world_refs"])


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
