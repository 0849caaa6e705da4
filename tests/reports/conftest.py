"""The hand-built data set every report test reads, and a frozen clock.

"Now" is 2026-03-10 12:00 UTC, so `7d` is 2026-03-04 .. 2026-03-10. Visitors are `ip_hash`
UUID(int=N). The visits (sessions holding a page view) of that week, bots and excluded traffic
left out:

Visit  Day    Events (UTC)                                        PVs Bounce  Secs  Landing → exit
V1-A   03-08  10:00 / · 10:05 /pricing · 10:06 scroll_50 ·          4  no     1260  / → /signup
              10:10 /pricing · 10:20 /signup · 10:21 custom signup_complete
V1-B   03-08  10:52 /blog/a (31 min later) · 10:53:30 close_tab    1  yes      90  /blog/a
V2-A   03-08  23:50 /blog/a · 23:55 /blog/b                        2  no      300  /blog/a → /blog/b
V2-B   03-09  00:05 /pricing (10 min later, but a new UTC day)     1  yes       0  /pricing
V6     03-09  09:00 /signup · 09:01 /pricing · 09:02 custom        2  no      120 /signup→/pricing
              signup_complete
V7-A   03-09  14:00 /pricing · 14:10 outbound_link ·               2  no     1800 /pricing→/signup
              14:30 /signup (exactly 30 min later: same visit)
V8     03-10  11:50 / · 11:55 scroll_25                            1  yes     300  /
V11    03-10  11:40 /blog/a · 11:45 / · 11:46 custom video_play    2  no      360  /blog/a → /

Sources and devices (of the first event): V1-A and V7-A Organic Search from google.com, desktop
Chrome Windows 1025-1440; V1-B Direct, same device; V2-A and V2-B Social from t.co, mobile Safari
iOS 320-375; V6 Email, utm newsletter/email/march, desktop Firefox Linux 1441+; V8 Direct, tablet
Safari iPadOS 769-1024; V11 Referral from news.example.org with utm_source "=HYPERLINK(1)",
mobile Chrome Android 376-768.

Not visits: V5 (03-08 13:00, a scroll_25 only), V7-B (03-09 15:00:01, 30 min 1 s after V7-A: a
custom signup_complete alone). Bots: V3 (03-08 12:00 / and 12:01 custom signup_complete), V9
(03-10 11:58 /). Excluded: V4 (03-08 12:00 /), V10 (03-10 11:59 /). Outside the week: V20
(03-02 10:00 / · 10:10 /pricing: 1 visit, 2 page views, 600 s). "/blog/*" pages are in the
content group "Blog". Later events of a visit come from internal navigation (Direct, no
referrer), so a visit's source must come from its first event.
"""

from datetime import UTC, datetime

import pytest

from ingest.models import Channel, DeviceType, ScreenBucket
from reports import params as report_params
from tests.reports.factories import event_build, events_insert

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BASE = "/api/v1/reports/"


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(report_params, "utc_now", lambda: NOW)
    return NOW


@pytest.fixture
def dataset(website):
    w = website
    organic = {"referrer_channel": Channel.ORGANIC_SEARCH, "referrer_domain": "google.com"}
    iphone = {
        "browser_family": "Safari",
        "os_family": "iOS",
        "device_type": DeviceType.MOBILE,
        "screen_bucket": ScreenBucket.UP_TO_375,
    }
    social = {"referrer_channel": Channel.SOCIAL, "referrer_domain": "t.co", **iphone}
    linux = {
        "browser_family": "Firefox",
        "os_family": "Linux",
        "screen_bucket": ScreenBucket.WIDER,
    }
    ipad = {
        "browser_family": "Safari",
        "os_family": "iPadOS",
        "device_type": DeviceType.TABLET,
        "screen_bucket": ScreenBucket.UP_TO_1024,
    }
    android = {
        "browser_family": "Chrome",
        "os_family": "Android",
        "device_type": DeviceType.MOBILE,
        "screen_bucket": ScreenBucket.UP_TO_768,
    }
    blog = {"content_group": "Blog"}
    bot = {"is_bot": True, "device_type": DeviceType.BOT}
    events = [
        # V1-A and V1-B
        event_build(w, "2026-03-08 10:00:00", 1, path="/", **organic),
        event_build(w, "2026-03-08 10:05:00", 1, path="/pricing"),
        event_build(w, "2026-03-08 10:06:00", 1, "scroll_50", path="/pricing"),
        event_build(w, "2026-03-08 10:10:00", 1, path="/pricing"),
        event_build(w, "2026-03-08 10:20:00", 1, path="/signup"),
        event_build(
            w, "2026-03-08 10:21:00", 1, "custom", path="/signup", event_name="signup_complete"
        ),
        event_build(w, "2026-03-08 10:52:00", 1, path="/blog/a", **blog),
        event_build(w, "2026-03-08 10:53:30", 1, "close_tab", path="/blog/a", **blog),
        # V2-A and V2-B, across midnight
        event_build(w, "2026-03-08 23:50:00", 2, path="/blog/a", **social, **blog),
        event_build(w, "2026-03-08 23:55:00", 2, path="/blog/b", **iphone, **blog),
        event_build(w, "2026-03-09 00:05:00", 2, path="/pricing", **social),
        # V3: a bot
        event_build(w, "2026-03-08 12:00:00", 3, path="/", **bot),
        event_build(
            w, "2026-03-08 12:01:00", 3, "custom", path="/", event_name="signup_complete", **bot
        ),
        # V4: excluded traffic
        event_build(w, "2026-03-08 12:00:00", 4, path="/", is_excluded=True),
        # V5: no page view
        event_build(w, "2026-03-08 13:00:00", 5, "scroll_25", path="/"),
        # V6: /signup before /pricing
        event_build(
            w,
            "2026-03-09 09:00:00",
            6,
            path="/signup",
            referrer_channel=Channel.EMAIL,
            utm_source="newsletter",
            utm_medium="email",
            utm_campaign="march",
            **linux,
        ),
        event_build(w, "2026-03-09 09:01:00", 6, path="/pricing", **linux),
        event_build(
            w,
            "2026-03-09 09:02:00",
            6,
            "custom",
            path="/pricing",
            event_name="signup_complete",
            **linux,
        ),
        # V7-A (a 30-minute gap exactly) and V7-B (30 minutes and 1 second)
        event_build(w, "2026-03-09 14:00:00", 7, path="/pricing", **organic),
        event_build(w, "2026-03-09 14:10:00", 7, "outbound_link", path="/pricing"),
        event_build(w, "2026-03-09 14:30:00", 7, path="/signup"),
        event_build(
            w, "2026-03-09 15:00:01", 7, "custom", path="/signup", event_name="signup_complete"
        ),
        # Today, within the realtime window (11:30 .. 12:00)
        event_build(w, "2026-03-10 11:50:00", 8, path="/", **ipad),
        event_build(w, "2026-03-10 11:55:00", 8, "scroll_25", path="/", **ipad),
        event_build(w, "2026-03-10 11:58:00", 9, path="/", **bot),
        event_build(w, "2026-03-10 11:59:00", 10, path="/", is_excluded=True),
        event_build(
            w,
            "2026-03-10 11:40:00",
            11,
            path="/blog/a",
            referrer_channel=Channel.REFERRAL,
            referrer_domain="news.example.org",
            utm_source="=HYPERLINK(1)",
            **android,
            **blog,
        ),
        event_build(w, "2026-03-10 11:45:00", 11, path="/", **android),
        event_build(
            w, "2026-03-10 11:46:00", 11, "custom", path="/", event_name="video_play", **android
        ),
        # V20: the week before
        event_build(w, "2026-03-02 10:00:00", 20, path="/"),
        event_build(w, "2026-03-02 10:10:00", 20, path="/pricing"),
    ]
    events_insert(events)
    return website


def report_get(caller, name: str, website, **query):
    """GET a report as `caller` (`steps` for `steps[]`) and return the response."""
    if "steps" in query:
        query["steps[]"] = query.pop("steps")
    return caller.client.get(f"{BASE}{name}", {"website_id": str(website.pk), **query})


@pytest.fixture
def fetch(tenant, dataset):
    """The `data` of a report of the data set, as its owner sees it."""

    def fetch(name: str, **query) -> dict:
        response = report_get(tenant, name, dataset, **query)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "success"
        return body["data"]

    return fetch
