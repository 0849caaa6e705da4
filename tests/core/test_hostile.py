"""Hostile requests get a clear 4xx in the envelope on every route, never a 500.

The charset tests go through the real WSGI application (analytics_site.wsgi), because the
failure they cover happens while Django builds the request, which the test client does its own
way. The others use the test client against real PostgreSQL and Redis.
"""

import io
import json
import sys

import pytest
from django.conf import settings
from django.core import signals
from django.db import close_old_connections

from analytics_site.api.parsers import MAX_JSON_DEPTH
from analytics_site.wsgi import application
from ingest.buffer import buffer_client, events_stream
from ingest.drain import events_buffer_drain
from tests.envelope import assert_error, success_data
from tests.ingest.helpers import event_body, post_event

# --- a charset that is not a text encoding, through the real WSGI handler -----------------------


@pytest.fixture(autouse=True)
def _keep_test_connections():
    """As Django's test client does: the handler's signals must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def wsgi_call(method: str, path: str, query: str, content_type: str, body: bytes = b""):
    """(status code, headers, body) of one request to the application gunicorn serves."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "203.0.113.9",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, dict(headers)

    response = application(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        response.close()
    return int(started["status"].split()[0]), started["headers"], content


ROUTES = [
    ("GET", "/health"),
    ("POST", "/api/v1/collect"),
    ("GET", "/api/v1/reports/summary"),
    ("POST", "/api/v1/accounts"),
    ("GET", "/api/v1/websites"),
    ("GET", "/js/tracker.js"),
    ("GET", "/admin/login/"),
    ("GET", "/no/such/route"),
]


@pytest.mark.parametrize("charset", ["base64", "rot13", "zlib_codec", "nonsense", "idna", "utf-16"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_charset_that_is_not_a_text_encoding_is_a_400_on_every_route(method, path, charset):
    status, headers, content = wsgi_call(
        method, path, "a=1&xn--b=2", f"application/json; charset={charset}", b"{}"
    )
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    body = json.loads(content)
    assert body["status"] == "error"
    assert body["error"]["code"] == "INVALID_PAYLOAD"
    assert body["error"]["message"].startswith(f"Content-Type: charset '{charset}'")


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "iso-8859-1", "windows-1252"])
def test_text_charsets_still_reach_the_routes(charset):
    status, _, content = wsgi_call(
        "GET", "/no/such/route", "a=1", f"application/json; charset={charset}"
    )
    assert status == 404
    assert json.loads(content)["error"]["code"] == "NOT_FOUND"


# --- JSON nested thousands deep ------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deep_json_is_a_400_on_every_json_route(admin, tenant, website):
    deep = nested(5000)
    requests = [
        (admin.client.post, "/api/v1/accounts"),
        (admin.client.post, "/api/v1/users"),
        (admin.client.post, "/api/v1/admin/aggregate"),
        (tenant.client.post, "/api/v1/websites"),
        (tenant.client.patch, f"/api/v1/websites/{website.pk}"),
    ]
    for send, path in requests:
        response = send(path, deep, content_type="application/json")
        assert_error(response, 400, "INVALID_PAYLOAD", mentions="body: JSON nested more than")


def test_nesting_is_bounded_at_a_sane_depth(tenant):
    at_bound = f'{{"domain": {nested(MAX_JSON_DEPTH - 1)}}}'
    response = tenant.client.post("/api/v1/websites", at_bound, content_type="application/json")
    assert "nested" not in assert_error(response, 400, "INVALID_PAYLOAD", mentions="domain:")

    over = f'{{"domain": {nested(MAX_JSON_DEPTH)}}}'
    response = tenant.client.post("/api/v1/websites", over, content_type="application/json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions=f"more than {MAX_JSON_DEPTH} levels")


def test_deep_json_without_a_key_is_a_401(anonymous):
    response = anonymous.post("/api/v1/accounts", nested(5000), content_type="application/json")
    assert_error(response, 401, "UNAUTHORIZED")


# --- bodies over 64 KB ---------------------------------------------------------------------------


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise AssertionError("the body was read")


def test_api_bodies_over_64_kb_are_a_400(tenant):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 64 * 1024
    body = json.dumps({"domain": "example.com", "excluded_ips": ["10.0.0.1"] * 7000})
    assert len(body) > 64 * 1024
    response = tenant.client.post("/api/v1/websites", body, content_type="application/json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="body: larger than 64 KB")


def test_the_largest_website_settings_fit_in_64_kb(tenant):
    body = json.dumps(
        {
            "domain": "example.com",
            "excluded_ips": [f"200.200.{100 + n // 10}.{100 + n % 10}/32" for n in range(1000)],
            "content_groups": [
                {"name": f"{n:03d}" + "n" * 97, "pattern": f"/{n:03d}" + "p" * 251}
                for n in range(100)
            ],
        }
    )
    assert 58 * 1024 < len(body) < 64 * 1024
    response = tenant.client.post("/api/v1/websites", body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_declared_oversized_body_is_refused_unread(admin):
    response = admin.client.generic(
        "POST",
        "/api/v1/accounts",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": UnreadableBody()},
    )
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="body: larger than 64 KB")


def test_collect_keeps_its_own_32_kb_limit(website):
    response = post_event(event_body(website, properties={"x": "y" * 70_000}))
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="32 KB")


def test_thousands_of_query_parameters_are_a_400(tenant, website):
    query = "&".join(f"p{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = tenant.client.get(f"/api/v1/reports/summary?website_id={website.pk}&{query}")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="query: more than")


# --- and afterwards, the service still counts a normal visit -------------------------------------


def test_after_hostile_requests_a_normal_event_reaches_the_realtime_report(admin, tenant, website):
    admin.client.post("/api/v1/accounts", nested(5000), content_type="application/json")
    tenant.client.get(
        "/api/v1/reports/summary",
        {"website_id": str(website.pk), "start_date": "0001-01-01", "compare": "previous_period"},
    )
    tenant.client.get(
        "/api/v1/reports/pages",
        {"website_id": str(website.pk), "start_date": "9999-12-25", "end_date": "9999-12-31"},
    )
    poison = [
        event_body(website, url="https://example.com/?utm_source=a%00b"),
        event_body(website, path="/a\x01b"),
        event_body(website, properties={"k": "\x00"}),
    ]
    assert [post_event(body).status_code for body in poison] == [400, 400, 400]
    assert buffer_client().xlen(events_stream()) == 0

    assert post_event(event_body(website)).status_code == 202
    assert events_buffer_drain() == 1
    response = tenant.client.get("/api/v1/reports/realtime", {"website_id": str(website.pk)})
    data = success_data(response)
    assert data["active_visitors"] == 1
    assert data["top_pages"] == [{"path": "/blog/post-1", "visitors": 1}]
