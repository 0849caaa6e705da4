"""POST/OPTIONS /api/v1/collect against real Redis (the buffer) and PostgreSQL (after a drain)."""

import json

import pytest
from rest_framework.test import APIClient

from ingest.buffer import buffer_client, events_stream
from ingest.drain import events_buffer_drain
from ingest.models import Channel, DeviceType, Event, EventType, ScreenBucket
from tests.envelope import assert_error
from tests.factories import website_make
from tests.ingest.helpers import CHROME, GOOGLEBOT, event_body, post_event

pytestmark = pytest.mark.django_db


def test_page_view_is_accepted_enriched_and_stored(website):
    response = post_event(event_body(website))
    assert response.status_code == 202
    assert response.json() == {"status": "accepted"}
    assert events_buffer_drain() == 1

    event = Event.objects.get(website=website)
    assert event.event_type == EventType.PAGE_VIEW
    assert event.path == "/blog/post-1"
    assert event.referrer_domain == "t.co"
    assert event.referrer_channel == Channel.SOCIAL
    assert (event.utm_source, event.utm_medium, event.utm_campaign) == ("twitter", None, "launch")
    assert (event.utm_term, event.utm_content) == (None, None)
    assert event.browser_family == "Chrome"
    assert event.os_family == "Windows"
    assert event.device_type == DeviceType.DESKTOP
    assert event.screen_bucket == ScreenBucket.WIDER
    assert not event.is_bot and not event.is_excluded
    assert len(event.ip_hash.hex) == 32


def test_the_urls_utm_term_and_content_are_stored_and_the_bodys_win(website, settings):
    settings.TRAILMARK_COLLECT_RATE = "1000/10s"
    url = (
        "https://example.com/?utm_source=google&utm_medium=cpc&utm_campaign=spring"
        "&utm_term=running+shoes&utm_content=banner%20a"
    )
    assert post_event(event_body(website, url=url, path="/from-url")).status_code == 202
    body = event_body(website, url=url, path="/from-body", utm_term="trail", utm_content="text")
    assert post_event(body).status_code == 202
    assert events_buffer_drain() == 2

    utm = {
        path: (source, medium, campaign, term, content)
        for path, source, medium, campaign, term, content in Event.objects.values_list(
            "path", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"
        )
    }
    assert utm == {
        "/from-url": ("google", "cpc", "spring", "running shoes", "banner a"),
        "/from-body": ("google", "cpc", "spring", "trail", "text"),
    }


@pytest.mark.parametrize("field", ["utm_term", "utm_content"])
def test_utm_term_and_content_wider_than_their_column_are_400(website, field):
    response = post_event(event_body(website, **{field: "x" * 256}))
    assert_error(response, 400, "INVALID_PAYLOAD", mentions=f"{field}: at most 255 characters")
    assert buffer_client().xlen(events_stream()) == 0


def test_no_raw_ip_is_stored_or_buffered(website):
    ip = "198.51.100.23"
    post_event(event_body(website), ip=ip)
    buffered = buffer_client().xrange(events_stream())
    assert ip not in json.dumps([fields[b"r"].decode() for _, fields in buffered])
    events_buffer_drain()
    row = Event.objects.filter(website=website).values().get()
    assert ip not in json.dumps(row, default=str)


def test_same_visitor_same_day_shares_a_hash_other_visitor_does_not(website):
    post_event(event_body(website), ip="203.0.113.1")
    post_event(event_body(website, path="/about"), ip="203.0.113.1")
    post_event(event_body(website), ip="203.0.113.2")
    events_buffer_drain()
    hashes = list(
        Event.objects.filter(website=website).order_by("id").values_list("ip_hash", flat=True)
    )
    assert hashes[0] == hashes[1] != hashes[2]


def test_custom_event_keeps_name_and_properties(website):
    body = event_body(website, event_type="custom", event_name="signup", properties={"plan": "pro"})
    assert post_event(body).status_code == 202
    events_buffer_drain()
    event = Event.objects.get(website=website)
    assert (event.event_type, event.event_name, event.properties) == (
        EventType.CUSTOM,
        "signup",
        {"plan": "pro"},
    )


def test_unknown_website_is_a_silent_204_and_stores_nothing(db):
    ghost = website_make()
    body = event_body(ghost)
    ghost.delete()
    response = post_event(body)
    assert response.status_code == 204
    assert response.content == b""
    assert buffer_client().xlen(events_stream()) == 0


def test_bots_are_stored_flagged_and_answered_204(website):
    assert post_event(event_body(website), user_agent=GOOGLEBOT).status_code == 204
    assert post_event(event_body(website), user_agent="").status_code == 204
    events_buffer_drain()
    assert Event.objects.filter(website=website, is_bot=True).count() == 2


def test_excluded_ips_are_stored_flagged_and_answered_204(tenant):
    site = website_make(account=tenant.account, excluded_ips=["10.0.0.0/8", "2001:db8::/32"])
    assert post_event(event_body(site), ip="10.1.2.3").status_code == 204
    assert post_event(event_body(site), ip="2001:db8::1").status_code == 204
    assert post_event(event_body(site), ip="11.0.0.1").status_code == 202
    events_buffer_drain()
    assert Event.objects.filter(website=site, is_excluded=True).count() == 2
    assert Event.objects.filter(website=site, is_excluded=False).count() == 1


def test_content_group_first_match_wins(tenant):
    site = website_make(
        account=tenant.account,
        content_groups=[
            {"name": "Posts", "pattern": "/blog/post-*"},
            {"name": "Blog", "pattern": "/blog/*"},
        ],
    )
    post_event(event_body(site, path="/blog/post-1"))
    post_event(event_body(site, path="/blog/archive"))
    post_event(event_body(site, path="/pricing"))
    events_buffer_drain()
    groups = list(
        Event.objects.filter(website=site).order_by("id").values_list("content_group", flat=True)
    )
    assert groups == ["Posts", "Blog", None]


def test_invalid_payload_is_a_named_400_in_the_envelope(website):
    response = post_event(event_body(website, event_type="purchase"))
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert response.json()["error"]["message"].startswith("event_type:")
    assert buffer_client().xlen(events_stream()) == 0


def test_oversized_and_non_utf8_bodies_are_400(website):
    client = APIClient()
    big = json.dumps(event_body(website, properties={"x": "y" * 40_000}))
    assert client.post("/api/v1/collect", big, content_type="application/json").status_code == 400
    latin1 = b'{"path": "/caf\xe9"}'
    response = client.post("/api/v1/collect", latin1, content_type="application/json")
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"]["message"]


def test_cors_preflight_echoes_the_origin():
    response = APIClient().options("/api/v1/collect", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert response["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == "Content-Type"
    assert response["Vary"] == "Origin"


def test_cors_headers_on_accepted_events(website):
    response = post_event(event_body(website), origin="https://example.com")
    assert response["Access-Control-Allow-Origin"] == "https://example.com"
    assert response["Vary"] == "Origin"


def test_get_is_405_in_the_envelope():
    response = APIClient().get("/api/v1/collect")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_rate_limited_per_ip_with_retry_after(website, settings):
    settings.TRAILMARK_COLLECT_RATE = "3/10s"
    statuses = [post_event(event_body(website), ip="192.0.2.9").status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = post_event(event_body(website), ip="192.0.2.9")
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(limited["Retry-After"]) <= 10
    assert post_event(event_body(website), ip="192.0.2.10").status_code == 202


def test_client_ip_behind_a_proxy_comes_from_x_forwarded_for(tenant, settings):
    settings.TRAILMARK_NUM_PROXIES = 1
    site = website_make(account=tenant.account, excluded_ips=["198.51.100.0/24"])
    response = APIClient().post(
        "/api/v1/collect",
        data=json.dumps(event_body(site)),
        content_type="application/json",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4",
        HTTP_USER_AGENT=CHROME,
    )
    assert response.status_code == 204  # the proxy-reported client is excluded


def test_invalid_requests_count_against_the_limit_too(website, settings):
    settings.TRAILMARK_COLLECT_RATE = "2/10s"
    bad = event_body(website, event_type="nope")
    statuses = [post_event(bad, ip="192.0.2.77").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert post_event(event_body(website), ip="192.0.2.77").status_code == 429
    assert buffer_client().xlen(events_stream()) == 0


def test_ipv6_clients_are_limited_per_64_network(website, settings):
    settings.TRAILMARK_COLLECT_RATE = "2/10s"
    statuses = [
        post_event(event_body(website), ip=f"2001:db8:1:2::{n}").status_code for n in range(1, 4)
    ]
    assert statuses == [202, 202, 429]
    assert post_event(event_body(website), ip="2001:db8:1:3::1").status_code == 202


# --- poison inputs: refused before the buffer, so the drainer never meets them ------------------


def _post_raw(text: str):
    return APIClient().post(
        "/api/v1/collect", text, content_type="application/json", HTTP_USER_AGENT=CHROME
    )


def test_non_finite_numbers_are_400_and_never_buffered(website):
    # json.dumps would write Infinity (refused as a literal); 1e999 is what a hostile client sends.
    body = json.dumps(event_body(website, properties={"v": "X"})).replace('"X"', "1e999")
    assert_error(_post_raw(body), 400, "INVALID_PAYLOAD", mentions="body: the number 1e999")
    assert buffer_client().xlen(events_stream()) == 0


@pytest.mark.parametrize(
    ("overrides", "mentions"),
    [
        ({"url": "https://a.test/?utm_source=a%00b"}, "url: utm_source"),
        ({"url": "https://a.test/?utm_medium=%01x"}, "url: utm_medium"),
        ({"url": "https://a.test/?utm_campaign=x%7F"}, "url: utm_campaign"),
        ({"url": "https://a.test/?utm_term=a%0Ab"}, "url: utm_term"),
        ({"url": "https://a.test/?utm_content=x%1Fy"}, "url: utm_content"),
        ({"path": "/a\x01b"}, "path:"),
        ({"event_type": "custom", "event_name": "a\x00b"}, "event_name:"),
        ({"utm_source": "a\x1bb"}, "utm_source:"),
        ({"utm_term": "a\x00b"}, "utm_term:"),
        ({"utm_content": "a\rb"}, "utm_content:"),
        ({"properties": {"k": "\x00"}}, "properties:"),
    ],
)
def test_poison_rows_are_400_naming_the_field_and_never_buffered(website, overrides, mentions):
    response = post_event(event_body(website, **overrides))
    message = assert_error(response, 400, "INVALID_PAYLOAD", mentions=mentions)
    assert "control characters" in message or "NUL" in message
    assert buffer_client().xlen(events_stream()) == 0


def test_a_content_group_name_wider_than_its_column_is_400_and_never_buffered(tenant):
    # Validated stripped by an older version and stored padded: 101 characters.
    site = website_make(
        account=tenant.account, content_groups=[{"name": " " * 97 + "Blog", "pattern": "/blog/*"}]
    )
    response = post_event(event_body(site, path="/blog/post-1"))
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="content_group: at most 100")
    assert buffer_client().xlen(events_stream()) == 0
    assert post_event(event_body(site, path="/pricing")).status_code == 202


def test_long_url_utm_values_and_referrer_hosts_are_cut_to_fit_and_stored(website):
    body = event_body(
        website,
        url="https://example.com/?utm_source=" + "s" * 600 + "&utm_content=" + "c" * 600,
        referrer="https://" + "r" * 300 + ".example/",
    )
    assert post_event(body).status_code == 202
    assert events_buffer_drain() == 1
    event = Event.objects.get(website=website)
    assert event.utm_source == "s" * 255
    assert event.utm_content == "c" * 255
    assert event.referrer_domain is None  # not a host name: direct


def test_control_characters_in_the_user_agent_are_stored_cleaned(website):
    agent = CHROME.replace("Windows NT", "Windows\x01 NT").replace("Chrome/", "Chr\x7fome/")
    assert post_event(event_body(website), user_agent=agent).status_code == 202
    assert events_buffer_drain() == 1
    event = Event.objects.get(website=website)
    assert "\x01" not in event.os_family + event.browser_family
    assert "\x7f" not in event.os_family + event.browser_family
