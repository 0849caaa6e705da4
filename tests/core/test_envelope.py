"""Every answer of the API is enveloped, whatever goes wrong, and carries an X-Request-ID."""

import logging
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.test import Client

from analytics_site.api.fields import UtcTimestampField
from analytics_site.middleware import RequestIdLogFilter
from tests.core.urls_failing import SECRET_DETAIL
from tests.envelope import assert_error

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def test_success_envelope(tenant, website):
    response = tenant.client.get("/api/v1/websites")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"status", "data"}
    assert body["status"] == "success"
    assert isinstance(body["data"], list)


def test_empty_list_is_enveloped(tenant):
    assert tenant.client.get("/api/v1/websites").json() == {"status": "success", "data": []}


# --- unknown paths and methods ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/websites/",  # no trailing slashes, and no redirect to them
        "/api/v1/",
        "/api/v2/websites",
        "/nope",
        "/",
    ],
)
def test_unknown_paths(anonymous, path):
    message = assert_error(anonymous.get(path), 404, "NOT_FOUND")
    assert "Traceback" not in message


def test_unknown_paths_with_a_key(admin):
    assert_error(admin.client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/websites"),
        ("delete", "/api/v1/websites"),
        ("patch", "/api/v1/accounts"),
        ("get", "/api/v1/accounts/{account}"),
        ("post", "/api/v1/users/{user}/api-key"),
    ],
)
def test_method_not_allowed(admin, method, path):
    path = path.format(account=admin.account.id, user=admin.user.id)
    response = getattr(admin.client, method)(path, {}, format="json")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response["Allow"]


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ['{"name": ', "{'name': 'single quotes'}", "name=Acme", '{"name": "Acme",}', "\x00"],
)
def test_malformed_json(admin, body):
    response = admin.client.post("/api/v1/accounts", body, content_type="application/json")
    message = assert_error(response, 400, "INVALID_PAYLOAD")
    assert "JSON" in message


@pytest.mark.parametrize("body", ["[]", '"Acme"', "42", "null", '[{"name": "Acme"}]'])
def test_json_that_is_not_an_object(admin, body):
    response = admin.client.post("/api/v1/accounts", body, content_type="application/json")
    assert_error(response, 400, "INVALID_PAYLOAD")


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/v1/accounts", {"name": ["Acme"]}, "name"),
        ("/api/v1/accounts", {"name": True}, "name"),
        ("/api/v1/websites", {"domain": {"host": "example.com"}}, "domain"),
        ("/api/v1/websites", {"domain": "example.com", "content_groups": 5}, "content_groups"),
        ("/api/v1/websites", {"domain": "example.com", "excluded_ips": "10.0.0.1"}, "excluded_ips"),
        ("/api/v1/users", {"account_id": ["x"], "role": "user"}, "account_id"),
    ],
)
def test_wrong_types_name_the_field(admin, path, payload, field):
    response = admin.client.post(path, payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions=field)


def test_form_encoded_body_is_refused_in_the_envelope(admin):
    response = admin.client.post("/api/v1/accounts", {"name": "Acme"})  # multipart
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_invalid_uuid_names_the_field(admin):
    message = assert_error(
        admin.client.delete("/api/v1/websites/123-not-a-uuid"), 400, "INVALID_PAYLOAD"
    )
    assert message.startswith("id:")


def test_messages_of_several_fields_name_each(admin):
    response = admin.client.post("/api/v1/users", {}, format="json")
    message = assert_error(response, 400, "INVALID_PAYLOAD")
    assert "account_id" in message
    assert "role" in message


# --- authentication errors --------------------------------------------------------------------


@pytest.mark.django_db
def test_unauthorized_envelope(anonymous):
    response = anonymous.get("/api/v1/websites")
    assert_error(response, 401, "UNAUTHORIZED")
    assert "X-API-KEY" in response["WWW-Authenticate"]


def test_forbidden_envelope(tenant):
    assert_error(tenant.client.get("/api/v1/users"), 403, "FORBIDDEN")


# --- X-Request-ID -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/websites", "/api/v1/nope", "/health", "/admin/"])
def test_every_response_has_a_request_id(anonymous, path):
    first = anonymous.get(path)
    second = anonymous.get(path)
    assert REQUEST_ID.match(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_success_responses_have_a_request_id(admin):
    assert REQUEST_ID.match(admin.client.get("/api/v1/accounts")["X-Request-ID"])


@pytest.mark.django_db
def test_a_plain_incoming_request_id_is_kept(anonymous):
    response = anonymous.get("/api/v1/websites", HTTP_X_REQUEST_ID="lb-1234abcd")
    assert response["X-Request-ID"] == "lb-1234abcd"


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["short", "x" * 65, "has spaces in it", "inj\r\nected: 1"])
def test_an_odd_incoming_request_id_is_replaced(anonymous, incoming):
    response = anonymous.get("/api/v1/websites", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert REQUEST_ID.match(response["X-Request-ID"])


# --- 500 --------------------------------------------------------------------------------------


@pytest.fixture
def request_id_in_logs(caplog):
    caplog.handler.addFilter(RequestIdLogFilter())
    caplog.set_level(logging.ERROR)
    return caplog


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls_failing")
def test_api_500_is_enveloped_without_details(request_id_in_logs):
    response = Client(raise_request_exception=False).get("/api/v1/test-only/fail")
    message = assert_error(response, 500, "INTERNAL_ERROR")
    text = response.content.decode()
    assert SECRET_DETAIL not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert message == "An unexpected error occurred."

    request_id = response["X-Request-ID"]
    assert REQUEST_ID.match(request_id)
    logged = [record for record in request_id_in_logs.records if record.exc_info]
    assert logged, "the error is logged with its stack trace"
    assert all(record.request_id == request_id for record in logged)
    assert any(record.exc_info[0] is RuntimeError for record in logged)


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls_failing")
def test_django_500_is_enveloped_without_details(request_id_in_logs):
    response = Client(raise_request_exception=False).get("/test-only/fail")
    assert_error(response, 500, "INTERNAL_ERROR")
    text = response.content.decode()
    assert SECRET_DETAIL not in text
    assert "Traceback" not in text
    request_id = response["X-Request-ID"]
    assert REQUEST_ID.match(request_id)
    logged = [record for record in request_id_in_logs.records if record.exc_info]
    assert logged
    assert all(record.request_id == request_id for record in logged)
    assert any(record.exc_info[0] is RuntimeError for record in logged)


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls_failing")
def test_real_routes_still_work_beside_the_failing_ones(admin):
    assert admin.client.get("/api/v1/websites").status_code == 200
    assert_error(Client().get("/api/v1/nope"), 404, "NOT_FOUND")


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 1, 15, 10, 30, tzinfo=UTC), "2026-01-15T10:30:00.000Z"),
        (datetime(2026, 1, 15, 10, 30, 0, 123456, tzinfo=UTC), "2026-01-15T10:30:00.123Z"),
        (
            datetime(2026, 1, 15, 12, 30, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-15T10:30:00.000Z",
        ),
        (
            datetime(2026, 1, 15, 0, 30, tzinfo=timezone(timedelta(hours=-11))),
            "2026-01-15T11:30:00.000Z",
        ),
    ],
)
def test_timestamps_are_utc_with_milliseconds(value, expected):
    assert UtcTimestampField().to_representation(value) == expected
