"""Collect and its buffer: capped, aware of deleted websites, honest when Redis is away."""

import pytest

from analytics_site.redis_keys import deleted_websites_key
from ingest.buffer import buffer_client, events_stream
from tests.ingest.helpers import event_body, post_event
from tests.processes import free_port

pytestmark = pytest.mark.django_db


def test_past_the_cap_collect_answers_503_and_keeps_what_it_holds(website, settings):
    settings.TRAILMARK_BUFFER_MAX_EVENTS = 3
    for _ in range(3):
        assert post_event(event_body(website)).status_code == 202
    response = post_event(event_body(website))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert buffer_client().xlen(events_stream()) == 3


def test_a_website_in_the_deleted_set_gets_204_at_once(website):
    assert post_event(event_body(website)).status_code == 202  # its settings are now cached
    buffer_client().sadd(deleted_websites_key(), str(website.id))
    assert post_event(event_body(website)).status_code == 204
    assert buffer_client().xlen(events_stream()) == 1


def test_collect_answers_503_while_redis_is_unreachable(website, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = post_event(event_body(website))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response["Access-Control-Allow-Origin"] == "https://example.com"


def test_keys_carry_the_deployment_prefix(website, settings):
    settings.TRAILMARK_REDIS_PREFIX = "other-deployment"
    assert post_event(event_body(website)).status_code == 202
    keys = {key.decode() for key in buffer_client().keys("*")}
    assert "other-deployment:events" in keys
    assert all(key.startswith("other-deployment:") for key in keys), keys
