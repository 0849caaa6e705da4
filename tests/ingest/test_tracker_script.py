"""GET /js/tracker.js: headers, encodings, revalidation and the size budget of the served script."""

import gzip

import pytest
from django.test import Client
from django.urls import reverse

from ingest.tracker import tracker_script

URL = "/js/tracker.js"
GZIP_BUDGET = 1536  # bytes, minified + gzipped; Plausible's script is under 1 KB


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


def test_route_name():
    assert reverse("tracker-js") == URL


def test_served_minified_without_auth_with_spec_headers(anonymous_client):
    response = anonymous_client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert "Accept-Encoding" in response["Vary"]
    assert response.has_header("ETag")
    assert not response.has_header("Content-Encoding")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert not response.cookies
    assert response.content == tracker_script().minified


def test_minified_script_is_smaller_ascii_and_comment_free():
    script = tracker_script()

    assert len(script.minified) < len(script.source) / 2
    script.minified.decode("ascii")
    assert b"/*" not in script.minified
    assert script.minified.startswith(b"(function(")
    # The collect endpoint and every auto-tracked event type are in the served script.
    for needle in (
        b"/api/v1/collect",
        b"page_view",
        b"close_tab",
        b'"scroll_"',
        b"outbound_link",
        b"sendBeacon",
        b"keepalive:true",
        b"trailmark_ignore",
    ):
        assert needle in script.minified


def test_gzipped_size_within_budget():
    assert len(tracker_script().gzipped) < GZIP_BUDGET


def test_gzip_when_accepted(anonymous_client):
    response = anonymous_client.get(URL, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"] == "application/javascript"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert gzip.decompress(response.content) == tracker_script().minified


def test_revalidation_answers_304(anonymous_client):
    etag = anonymous_client.get(URL)["ETag"]

    response = anonymous_client.get(URL, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert not response.content


def test_head_allowed_and_writes_refused(anonymous_client):
    assert anonymous_client.head(URL).status_code == 200
    assert anonymous_client.post(URL).status_code == 405


def test_not_rate_limited(anonymous_client, settings):
    settings.TRAILMARK_COLLECT_RATE = "1/10s"
    settings.TRAILMARK_API_RATE = "1/60s"

    statuses = {anonymous_client.get(URL).status_code for _ in range(30)}

    assert statuses == {200}
