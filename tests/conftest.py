"""flaskr-style fixtures: app, client, runner, world, login."""
import pytest

from partyorg import create_app
from partyorg.extensions import db

from . import factories


@pytest.fixture
def app():
    app = create_app("testing")
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    return factories.world()


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
