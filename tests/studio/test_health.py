"""The probes: /healthz answers alone; /readyz names each dependency and leaks nothing about it."""

import time

import pytest
from django.core.cache import cache
from django.test import Client

from studio import health

SECRET_DETAIL = "db.internal.example:5432 password authentication failed"


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def worker_alive():
    health.worker_heartbeat_record()
    yield
    cache.delete(health.HEARTBEAT_KEY)


def _fail(*args, **kwargs):
    raise OSError(SECRET_DETAIL)


def test_healthz_answers_without_the_database(client):
    # No django_db mark: any query would raise.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_is_up(client, worker_alive):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "storage": "ok", "worker": "ok"},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("check", ["database", "broker", "storage", "worker"])
def test_a_dependency_down_makes_readyz_unavailable_without_detail(
    client, worker_alive, monkeypatch, check
):
    monkeypatch.setitem(health.CHECKS, check, _fail)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"][check] == "down"
    assert all(state == "ok" for name, state in body["checks"].items() if name != check)
    assert "internal" not in response.content.decode()
    assert "password" not in response.content.decode()


@pytest.mark.django_db
def test_an_unreachable_broker_is_down(client, worker_alive, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    started = time.monotonic()
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "down"
    assert "127.0.0.1" not in response.content.decode()
    assert time.monotonic() - started < 10


@pytest.mark.django_db
@pytest.mark.parametrize("age", [None, 3600])
def test_a_stale_or_missing_heartbeat_is_stale(client, worker_alive, age):
    if age is None:
        cache.delete(health.HEARTBEAT_KEY)
    else:
        cache.set(health.HEARTBEAT_KEY, time.time() - age, timeout=None)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "stale"


def test_the_heartbeat_task_records_a_fresh_beat():
    from studio.tasks import worker_heartbeat  # noqa: PLC0415  (the task module registers tasks)

    cache.delete(health.HEARTBEAT_KEY)
    worker_heartbeat.apply()

    assert health.check_worker() == "ok"


def test_the_beat_schedule_sends_the_heartbeat_every_minute():
    from studio.beat import BEAT_SCHEDULE  # noqa: PLC0415

    entry = next(e for e in BEAT_SCHEDULE.values() if e["task"] == "studio.worker_heartbeat")
    assert entry["schedule"] == 60.0


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get_and_head_are_allowed(path, method):
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(path, data=b"{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_head_and_a_body_on_get_are_harmless(client, worker_alive, path):
    head = client.head(path)
    with_body = client.generic("GET", path, data=b"x" * 10_000, content_type="text/plain")

    assert head.status_code == 200
    assert with_body.status_code == 200


def test_allowed_hosts_still_apply(client):
    response = client.get("/healthz", HTTP_HOST="evil.example")

    assert response.status_code == 400
