"""GET /health against the real services, and with each of them down."""

import time
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

import analytics_site
from tests.processes import free_port


@pytest.mark.django_db
def test_health_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "db": "connected",
        "redis": "connected",
        "version": analytics_site.__version__,
        "buffer_depth": 0,
        "buffer_oldest_age_seconds": None,
        "dead_letters": 0,
    }
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_health_reports_events_waiting_in_the_buffer(client, website):
    from ingest.drain import events_buffer_drain
    from tests.ingest.helpers import event_body, post_event

    for _ in range(3):
        assert post_event(event_body(website)).status_code == 202
    assert client.get("/health").json()["buffer_depth"] == 3
    events_buffer_drain()
    assert client.get("/health").json()["buffer_depth"] == 0


@pytest.mark.django_db
def test_health_needs_no_key_and_ignores_a_bad_one(client):
    response = client.get("/health", HTTP_X_API_KEY="tt_not-a-real-key-at-all-000000000000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_health_is_not_rate_limited(client, settings):
    settings.TRAILMARK_API_RATE = "1/60s"
    settings.TRAILMARK_COLLECT_RATE = "1/60s"
    for _ in range(5):
        assert client.get("/health").status_code == 200


@pytest.mark.django_db
def test_health_only_answers_get(client):
    assert client.post("/health").status_code == 405


@contextmanager
def database_unreachable():
    """Points the default connection at a port nothing listens on; restores it afterwards."""
    connection.close()
    original = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(original)


@pytest.fixture
def database_down(django_db_setup, django_db_blocker):
    """The test database, outside any test transaction (so the connection can be closed).

    These tests only read, so nothing needs flushing afterwards.
    """
    with django_db_blocker.unblock(), database_unreachable():
        yield


def test_health_with_the_database_down(database_down):
    response = Client().get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "degraded",
        "db": "disconnected",
        "redis": "connected",
        "version": analytics_site.__version__,
        "buffer_depth": 0,
        "buffer_oldest_age_seconds": None,
        "dead_letters": None,
        "problems": ["db unreachable"],
    }
    # The outage is reported, not leaked: no connection details in the body.
    assert "port" not in response.content.decode().lower()


@pytest.mark.django_db
def test_health_with_redis_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "db": "connected",
        "redis": "disconnected",
        "version": analytics_site.__version__,
        "buffer_depth": None,
        "buffer_oldest_age_seconds": None,
        "dead_letters": 0,
        "problems": ["redis unreachable"],
    }


def test_health_with_both_down(database_down, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = Client().get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["db"] == "disconnected"
    assert body["redis"] == "disconnected"


def test_health_ok_again_after_an_outage(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with database_unreachable():
            assert Client().get("/health").status_code == 503
        assert Client().get("/health").status_code == 200


@pytest.mark.django_db
def test_health_degrades_when_the_buffer_is_too_deep(client, website, settings):
    from tests.ingest.helpers import event_body, post_event

    settings.TRAILMARK_HEALTH_MAX_BUFFER_DEPTH = 2
    for _ in range(3):
        assert post_event(event_body(website)).status_code == 202
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["problems"] == ["buffer holds 3 events (over 2)"]


@pytest.mark.django_db
def test_health_degrades_when_events_wait_and_the_drainer_stores_none(client, website, settings):
    from ingest.buffer import buffer_client, events_stream
    from ingest.drain import events_buffer_drain

    # An event accepted 90 s ago (its stream id is its arrival time), never drained.
    accepted_ms = int((time.time() - 90) * 1000)
    buffer_client().xadd(events_stream(), {"r": "[]"}, id=f"{accepted_ms}-0")
    body = client.get("/health").json()
    assert body["buffer_oldest_age_seconds"] >= 90
    assert body["problems"] == [
        f"oldest buffered event is {body['buffer_oldest_age_seconds']} s old (over 60 s)",
        f"the drainer has stored no events for {body['buffer_oldest_age_seconds']} s (over 60 s)",
    ]
    # Drained (dead-lettered: it is no row), the buffer is empty and health is back.
    events_buffer_drain()
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["dead_letters"] == 1
