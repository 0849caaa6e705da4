"""Per-API-key rate limits, counted in the real Redis, with small configured limits."""

import os
import time
import uuid

import django_ratelimit.core
import pytest
import redis
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests.factories import user_make
from websites.models import Website


class FrozenClock:
    """The clock django-ratelimit reads to place requests in fixed windows.

    Frozen so that a test never straddles two windows; `advance` moves it on.
    """

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FrozenClock:
    frozen = FrozenClock()
    monkeypatch.setattr(django_ratelimit.core, "time", frozen)
    return frozen


@pytest.fixture
def three_per_minute(settings, clock):
    settings.TRAILMARK_API_RATE = "3/60s"


def client_for(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


def rate_headers(response) -> tuple[int, int, int]:
    return (
        int(response["X-RateLimit-Limit"]),
        int(response["X-RateLimit-Remaining"]),
        int(response["X-RateLimit-Reset"]),
    )


@pytest.mark.usefixtures("three_per_minute")
def test_fourth_request_is_limited(tenant):
    for remaining in (2, 1, 0):
        response = tenant.client.get("/api/v1/websites")
        assert response.status_code == 200
        limit, left, reset = rate_headers(response)
        assert (limit, left) == (3, remaining)
        assert 1 <= reset <= 60

    response = tenant.client.get("/api/v1/websites")
    assert response.status_code == 429
    assert response.json() == {
        "status": "error",
        "error": {"code": "RATE_LIMITED", "message": response.json()["error"]["message"]},
    }
    assert response.json()["error"]["message"]
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    limit, left, reset = rate_headers(response)
    assert (limit, left) == (3, 0)
    assert reset == retry_after
    assert response["X-Request-ID"]


@pytest.mark.usefixtures("three_per_minute")
def test_limits_apply_across_all_protected_routes(admin, website):
    assert admin.client.get("/api/v1/accounts").status_code == 200
    assert admin.client.get("/api/v1/users").status_code == 200
    assert admin.client.get("/api/v1/websites").status_code == 200
    response = admin.client.delete(f"/api/v1/websites/{website.id}")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    # A refused request changes nothing.
    assert Website.objects.filter(pk=website.pk).exists()


@pytest.mark.usefixtures("three_per_minute")
def test_limits_are_per_api_key(tenant, other_tenant):
    for _ in range(4):
        last = tenant.client.get("/api/v1/websites")
    assert last.status_code == 429

    # Another account's key, from the same address, is untouched.
    response = other_tenant.client.get("/api/v1/websites")
    assert response.status_code == 200
    assert rate_headers(response)[:2] == (3, 2)

    # So is another key of the same account.
    _, second_key = user_make(account=tenant.account)
    response = client_for(second_key).get("/api/v1/websites")
    assert response.status_code == 200
    assert rate_headers(response)[:2] == (3, 2)

    # The limited key stays limited.
    assert tenant.client.get("/api/v1/websites").status_code == 429


def test_window_resets(tenant, settings, clock):
    settings.TRAILMARK_API_RATE = "3/60s"
    for _ in range(4):
        last = tenant.client.get("/api/v1/websites")
    assert last.status_code == 429

    # Retry-After is exact: a second earlier is still too early, and at it the key may go on.
    clock.advance(int(last["Retry-After"]) - 1)
    assert tenant.client.get("/api/v1/websites").status_code == 429
    clock.advance(1)
    response = tenant.client.get("/api/v1/websites")
    assert response.status_code == 200
    assert rate_headers(response)[:2] == (3, 2)


@pytest.mark.usefixtures("three_per_minute")
def test_headers_on_every_protected_response(admin, website):
    responses = [
        admin.client.get("/api/v1/accounts"),  # 200
        admin.client.post("/api/v1/accounts", {}, format="json"),  # 400
        admin.client.delete(f"/api/v1/websites/{uuid.uuid4()}"),  # 404
    ]
    assert [response.status_code for response in responses] == [200, 400, 404]
    assert [rate_headers(response)[:2] for response in responses] == [(3, 2), (3, 1), (3, 0)]
    for response in responses:
        assert 1 <= rate_headers(response)[2] <= 60


def test_headers_on_created_and_deleted_responses(admin, settings, clock):
    settings.TRAILMARK_API_RATE = "10/60s"
    created = admin.client.post("/api/v1/websites", {"domain": "a.example"}, format="json")
    assert created.status_code == 201
    website_id = created.json()["data"]["id"]
    patched = admin.client.patch(
        f"/api/v1/websites/{website_id}", {"domain": "b.example"}, format="json"
    )
    deleted = admin.client.delete(f"/api/v1/websites/{website_id}")
    not_allowed = admin.client.put("/api/v1/websites", {}, format="json")
    assert [r.status_code for r in (patched, deleted, not_allowed)] == [200, 200, 405]
    assert [rate_headers(r)[1] for r in (created, patched, deleted, not_allowed)] == [9, 8, 7, 6]


def test_default_rate_is_sixty_per_minute(tenant):
    if "TRAILMARK_API_RATE" in os.environ:
        pytest.skip("TRAILMARK_API_RATE is configured in this environment")
    assert django_settings.TRAILMARK_API_RATE == "60/60s"
    response = tenant.client.get("/api/v1/websites")
    assert rate_headers(response)[:2] == (60, 59)
    assert 1 <= rate_headers(response)[2] <= 60


@pytest.mark.django_db
def test_unprotected_routes_carry_no_rate_headers(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response


def test_counters_live_in_redis(tenant):
    connection = redis.Redis.from_url(django_settings.REDIS_URL)
    try:
        assert connection.dbsize() == 0
        tenant.client.get("/api/v1/websites")
        assert connection.dbsize() >= 1
        connection.flushdb()
        # With the counter gone, the count starts again: Redis is the only state.
        response = tenant.client.get("/api/v1/websites")
        assert rate_headers(response)[1] == 59
    finally:
        connection.close()


def test_requests_are_served_when_redis_is_down(tenant, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.TRAILMARK_API_RATE = "1/60s"
    for _ in range(3):
        response = tenant.client.get("/api/v1/websites")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response
