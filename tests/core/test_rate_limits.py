"""The API's rate limits (per key, and invalid keys per client), counted in the real Redis before
any key look-up, with small configured limits; and no raw client address in Redis."""

import os
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts.services import user_issue_api_key
from tests.factories import user_make
from tests.ingest.helpers import event_body, post_event
from websites.models import Website


@pytest.fixture
def three_per_minute(settings, ratelimit_clock):
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


def test_window_resets(tenant, settings, ratelimit_clock):
    settings.TRAILMARK_API_RATE = "3/60s"
    for _ in range(4):
        last = tenant.client.get("/api/v1/websites")
    assert last.status_code == 429

    # Retry-After is exact: a second earlier is still too early, and at it the key may go on.
    ratelimit_clock.advance(int(last["Retry-After"]) - 1)
    assert tenant.client.get("/api/v1/websites").status_code == 429
    ratelimit_clock.advance(1)
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


def test_headers_on_created_and_deleted_responses(admin, settings, ratelimit_clock):
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


# --- counted before the key is looked up ---------------------------------------------------------


def from_address(api_key: str, ip: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


def invalid_key() -> str:
    return "tt_" + uuid.uuid4().hex + uuid.uuid4().hex[:11]


@pytest.mark.usefixtures("three_per_minute")
def test_a_key_over_its_limit_is_refused_without_a_database_query(
    tenant, django_assert_num_queries
):
    for _ in range(3):
        assert tenant.client.get("/api/v1/websites").status_code == 200
    with django_assert_num_queries(0):
        response = tenant.client.get("/api/v1/websites")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert int(response["Retry-After"]) >= 1


@pytest.fixture
def two_failures_per_ten_minutes(settings, ratelimit_clock):
    settings.TRAILMARK_AUTH_FAILURE_RATE = "2/10m"


@pytest.mark.usefixtures("two_failures_per_ten_minutes")
def test_a_client_presenting_invalid_keys_is_refused_before_any_look_up(
    tenant, django_assert_num_queries
):
    statuses = [from_address(invalid_key(), "198.51.100.20").get("/api/v1/websites").status_code]
    statuses.append(
        from_address("not-even-shaped", "198.51.100.20").get("/api/v1/websites").status_code
    )
    assert statuses == [401, 401]

    # Its allowance is used up: whatever key it presents next, even a valid one, is not looked up.
    for api_key in (invalid_key(), tenant.api_key):
        with django_assert_num_queries(0):
            response = from_address(api_key, "198.51.100.20").get("/api/v1/websites")
        assert response.status_code == 429
        assert response.json()["error"] == {
            "code": "RATE_LIMITED",
            "message": response.json()["error"]["message"],
        }
        assert 1 <= int(response["Retry-After"]) <= 600

    # Other clients, valid or not, are untouched.
    assert from_address(tenant.api_key, "198.51.100.21").get("/api/v1/websites").status_code == 200
    assert from_address(invalid_key(), "198.51.100.21").get("/api/v1/websites").status_code == 401


@pytest.mark.usefixtures("two_failures_per_ten_minutes")
def test_invalid_key_allowance_comes_back_after_its_window(tenant, ratelimit_clock):
    for _ in range(2):
        from_address(invalid_key(), "198.51.100.30").get("/api/v1/websites")
    refused = from_address(tenant.api_key, "198.51.100.30").get("/api/v1/websites")
    assert refused.status_code == 429
    ratelimit_clock.advance(int(refused["Retry-After"]))
    assert from_address(tenant.api_key, "198.51.100.30").get("/api/v1/websites").status_code == 200


@pytest.mark.usefixtures("two_failures_per_ten_minutes", "three_per_minute")
def test_only_invalid_keys_count_as_failures(tenant):
    client = from_address(tenant.api_key, "198.51.100.40")
    for _ in range(3):
        assert client.get("/api/v1/websites").status_code == 200
    assert client.get("/api/v1/websites").status_code == 429  # its own limit, not a failure
    for _ in range(3):  # no key at all: 401, nothing looked up, nothing counted
        assert APIClient(REMOTE_ADDR="198.51.100.40").get("/api/v1/websites").status_code == 401
    assert from_address(invalid_key(), "198.51.100.40").get("/api/v1/websites").status_code == 401


def test_invalid_key_clients_are_counted_per_ipv6_64(tenant, settings, ratelimit_clock):
    settings.TRAILMARK_AUTH_FAILURE_RATE = "2/10m"
    from_address(invalid_key(), "2001:db8:5:6::1").get("/api/v1/websites")
    from_address(invalid_key(), "2001:db8:5:6::2").get("/api/v1/websites")
    assert (
        from_address(tenant.api_key, "2001:db8:5:6::3").get("/api/v1/websites").status_code == 429
    )
    assert (
        from_address(tenant.api_key, "2001:db8:5:7::1").get("/api/v1/websites").status_code == 200
    )


def test_the_per_key_limit_is_keyed_on_the_key_not_its_user(tenant, settings, ratelimit_clock):
    settings.TRAILMARK_API_RATE = "3/60s"
    for _ in range(3):
        tenant.client.get("/api/v1/websites")
    assert tenant.client.get("/api/v1/websites").status_code == 429
    # The same user with a new key (a rotation) starts afresh.
    new_key = user_issue_api_key(user=tenant.user)
    assert client_for(new_key).get("/api/v1/websites").status_code == 200


# --- no raw address in Redis ---------------------------------------------------------------------


def redis_text(connection: redis.Redis) -> str:
    """Every key name and every value in the Redis database, as text."""
    chunks = []
    for key in connection.scan_iter("*"):
        chunks.append(key.decode(errors="replace"))
        kind = connection.type(key)
        if kind == b"string":
            chunks.append((connection.get(key) or b"").decode(errors="replace"))
        elif kind == b"stream":
            chunks.extend(str(entry) for entry in connection.xrange(key))
        elif kind == b"hash":
            chunks.append(str(connection.hgetall(key)))
        elif kind == b"list":
            chunks.append(str(connection.lrange(key, 0, -1)))
    return "\n".join(chunks)


@pytest.mark.parametrize(
    ("ip", "needles"),
    [
        ("203.0.113.77", ["203.0.113.77"]),
        ("2001:db8:77:1::5", ["2001:db8:77", "2001:0db8"]),
        ("::ffff:203.0.113.78", ["203.0.113.78"]),
    ],
)
def test_no_raw_address_in_redis_after_a_collect_and_a_failed_auth(website, ip, needles):
    assert post_event(event_body(website), ip=ip).status_code == 202
    assert from_address(invalid_key(), ip).get("/api/v1/websites").status_code == 401
    connection = redis.Redis.from_url(django_settings.REDIS_URL)
    try:
        text = redis_text(connection)
    finally:
        connection.close()
    assert text, "the counters and the buffered event are expected in Redis"
    for needle in needles:
        assert needle not in text
