"""Behind a reverse proxy (PROXY_COUNT): the client's address comes from X-Forwarded-For, so
login throttling counts per client; without a proxy that header is ignored and cannot be forged."""
from config import TestingConfig

from .conftest import app_on_template, load_world
from .factories import PASSWORD


class BehindNginx(TestingConfig):
    PROXY_COUNT = 1


def fail_ten_times(client, **headers):
    for i in range(10):
        client.post("/login", data={"username": f"guess{i}", "password": "wrong-pass-1"}, headers=headers)


def test_behind_a_proxy_each_client_is_throttled_alone(db_templates):
    with app_on_template(db_templates, "world", BehindNginx) as app:
        load_world(db_templates)
        client = app.test_client()
        fail_ten_times(client, **{"X-Forwarded-For": "10.0.0.1"})
        refused = client.post("/login", data={"username": "a_secretary", "password": PASSWORD},
                              headers={"X-Forwarded-For": "10.0.0.1"})
        assert refused.status_code == 429
        other = client.post("/login", data={"username": "a_secretary", "password": PASSWORD},
                            headers={"X-Forwarded-For": "10.0.0.2"})
        assert other.status_code == 302 and "/login" not in other.headers["Location"]


def test_without_a_proxy_forwarded_headers_are_ignored(client, world):
    for i in range(10):
        client.post("/login", data={"username": f"guess{i}", "password": "wrong-pass-1"},
                    headers={"X-Forwarded-For": f"10.0.1.{i}"})  # a new forged address each time
    r = client.post("/login", data={"username": "a_secretary", "password": PASSWORD},
                    headers={"X-Forwarded-For": "10.0.2.1"})
    assert r.status_code == 429
