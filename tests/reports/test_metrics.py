"""Every figure of every report over the hand-built data set described in conftest.py."""

ZEROS = [0, 0, 0, 0]  # 2026-03-04 .. 2026-03-07: no traffic


# --- Summary ---------------------------------------------------------------------------------


def values(data: dict) -> dict:
    return {name: metric["value"] for name, metric in data["metrics"].items()}


def test_summary_of_the_week(fetch):
    data = fetch("summary")

    assert data == {
        "period": {"start": "2026-03-04", "end": "2026-03-10"},
        "metrics": {
            "visits": {"value": 8},
            "unique_visitors": {"value": 7},
            "pageviews": {"value": 15},
            "bounce_rate": {"value": 37.5},  # V1-B, V2-B, V8
            "avg_session_duration_sec": {"value": 529},  # 4230 s / 8
        },
    }


def test_summary_counts_bots_only_when_asked(fetch):
    # V3 (60 s) and V9 (0 s) are one-page visits; V4 and V10 (excluded) never count.
    assert values(fetch("summary", include_bots="true")) == {
        "visits": 10,
        "unique_visitors": 9,
        "pageviews": 17,
        "bounce_rate": 50.0,
        "avg_session_duration_sec": 429,
    }
    assert values(fetch("summary", include_bots="false"))["visits"] == 8


def test_summary_of_a_content_group(fetch):
    # V1-B, V2-A and V11 viewed a Blog page; only their Blog page views count as page views.
    assert values(fetch("summary", content_group="Blog")) == {
        "visits": 3,
        "unique_visitors": 3,
        "pageviews": 4,
        "bounce_rate": 33.33,
        "avg_session_duration_sec": 250,
    }
    assert values(fetch("summary", content_group="Docs"))["visits"] == 0


def test_summary_of_named_periods(fetch):
    assert values(fetch("summary", period="yesterday")) == {
        "visits": 3,
        "unique_visitors": 3,
        "pageviews": 5,
        "bounce_rate": 33.33,
        "avg_session_duration_sec": 640,
    }
    assert values(fetch("summary", period="today")) == {
        "visits": 2,
        "unique_visitors": 2,
        "pageviews": 3,
        "bounce_rate": 50.0,
        "avg_session_duration_sec": 330,
    }
    everything = fetch("summary", period="all")  # from the first event, V20 on 03-02
    assert everything["period"] == {"start": "2026-03-02", "end": "2026-03-10"}
    assert values(everything) == {
        "visits": 9,
        "unique_visitors": 8,
        "pageviews": 17,
        "bounce_rate": 33.33,
        "avg_session_duration_sec": 537,  # 4830 / 9 = 536.67
    }


def test_summary_of_custom_dates(fetch):
    data = fetch("summary", start_date="2026-03-02", end_date="2026-03-08")

    assert data["period"] == {"start": "2026-03-02", "end": "2026-03-08"}
    assert values(data) == {
        "visits": 4,  # V20, V1-A, V1-B, V2-A
        "unique_visitors": 3,  # 03-02: V20; 03-08: V1, V2
        "pageviews": 9,
        "bounce_rate": 25.0,
        "avg_session_duration_sec": 563,  # 2250 / 4 = 562.5, rounded half up
    }


def test_summary_compared_with_the_previous_period(fetch):
    data = fetch("summary", compare="previous_period")

    assert data == {
        "period": {"start": "2026-03-04", "end": "2026-03-10"},
        "comparison": "2026-02-25 to 2026-03-03",
        "metrics": {
            "visits": {"value": 8, "previous": 1, "change_pct": 700.0},
            "unique_visitors": {"value": 7, "previous": 1, "change_pct": 600.0},
            "pageviews": {"value": 15, "previous": 2, "change_pct": 650.0},
            # V20 did not bounce: a previous rate of 0 has no change percentage.
            "bounce_rate": {"value": 37.5, "previous": 0.0, "change_pct": None},
            "avg_session_duration_sec": {"value": 529, "previous": 600, "change_pct": -11.83},
        },
    }


def test_summary_compared_with_an_empty_year_before(fetch):
    data = fetch("summary", compare="yoy")

    assert data["comparison"] == "2025-03-04 to 2025-03-10"
    assert data["metrics"]["visits"] == {"value": 8, "previous": 0, "change_pct": None}
    assert all(metric["change_pct"] is None for metric in data["metrics"].values())


# --- Pages -----------------------------------------------------------------------------------


def page(path, pageviews, unique, group=None):
    return {"path": path, "contentGroup": group, "pageviews": pageviews, "uniquePageviews": unique}


def test_pages(fetch):
    data = fetch("pages")

    assert data == {
        "period": {"start": "2026-03-04", "end": "2026-03-10"},
        "page": 1,
        "per_page": 50,
        "rows": [
            page("/pricing", 5, 4),  # V1-A viewed it twice
            page("/", 3, 3),
            page("/blog/a", 3, 3, "Blog"),
            page("/signup", 3, 3),
            page("/blog/b", 1, 1, "Blog"),
        ],
    }


def test_pages_paginate(fetch):
    assert fetch("pages", per_page=2, page=2)["rows"] == [
        page("/blog/a", 3, 3, "Blog"),
        page("/signup", 3, 3),
    ]
    assert fetch("pages", per_page=2, page=3)["rows"] == [page("/blog/b", 1, 1, "Blog")]
    data = fetch("pages", per_page=2, page=4)
    assert (data["page"], data["per_page"], data["rows"]) == (4, 2, [])


def test_pages_of_a_content_group_and_with_bots(fetch):
    assert fetch("pages", content_group="Blog")["rows"] == [
        page("/blog/a", 3, 3, "Blog"),
        page("/blog/b", 1, 1, "Blog"),
    ]
    assert fetch("pages", include_bots="true")["rows"][:2] == [
        page("/", 5, 5),
        page("/pricing", 5, 4),
    ]


# --- Sources ---------------------------------------------------------------------------------


def test_sources_by_channel_of_the_first_event(fetch):
    data = fetch("sources")

    assert data["period"] == {"start": "2026-03-04", "end": "2026-03-10"}
    assert (data["page"], data["per_page"]) == (1, 50)
    assert data["rows"] == [
        {"channel": "Direct", "visits": 2},
        {"channel": "Organic Search", "visits": 2},
        {"channel": "Social", "visits": 2},
        {"channel": "Email", "visits": 1},
        {"channel": "Referral", "visits": 1},
    ]
    assert fetch("sources", per_page=2, page=2)["rows"] == [
        {"channel": "Social", "visits": 2},
        {"channel": "Email", "visits": 1},
    ]
    assert fetch("sources", content_group="Blog")["rows"] == [
        {"channel": "Direct", "visits": 1},
        {"channel": "Referral", "visits": 1},
        {"channel": "Social", "visits": 1},
    ]


def test_sources_by_domain_and_utm(fetch):
    assert fetch("sources", group_by="domain")["rows"] == [
        {"referrer": "google.com", "visits": 2},
        {"referrer": "t.co", "visits": 2},
        {"referrer": "news.example.org", "visits": 1},
    ]
    assert fetch("sources", group_by="utm")["rows"] == [
        {"utmSource": "=HYPERLINK(1)", "utmMedium": None, "utmCampaign": None, "visits": 1},
        {"utmSource": "newsletter", "utmMedium": "email", "utmCampaign": "march", "visits": 1},
    ]


# --- Devices ---------------------------------------------------------------------------------


def test_devices(fetch):
    assert fetch("devices") == {
        "period": {"start": "2026-03-04", "end": "2026-03-10"},
        "device_types": [
            {"deviceType": "desktop", "visits": 4},
            {"deviceType": "mobile", "visits": 3},
            {"deviceType": "tablet", "visits": 1},
        ],
        "browsers": [
            {"browserFamily": "Chrome", "visits": 4},
            {"browserFamily": "Safari", "visits": 3},
            {"browserFamily": "Firefox", "visits": 1},
        ],
        "os_families": [
            {"osFamily": "Windows", "visits": 3},
            {"osFamily": "iOS", "visits": 2},
            {"osFamily": "Android", "visits": 1},
            {"osFamily": "Linux", "visits": 1},
            {"osFamily": "iPadOS", "visits": 1},
        ],
        "screen_resolutions": [
            {"bucket": "1025-1440", "visits": 3},
            {"bucket": "320-375", "visits": 2},
            {"bucket": "1441+", "visits": 1},
            {"bucket": "376-768", "visits": 1},
            {"bucket": "769-1024", "visits": 1},
        ],
    }


def test_devices_with_bots(fetch):
    assert fetch("devices", include_bots="true")["device_types"] == [
        {"deviceType": "desktop", "visits": 4},
        {"deviceType": "mobile", "visits": 3},
        {"deviceType": "bot", "visits": 2},
        {"deviceType": "tablet", "visits": 1},
    ]


# --- Flow ------------------------------------------------------------------------------------


def test_flow(fetch):
    assert fetch("flow") == {
        "period": {"start": "2026-03-04", "end": "2026-03-10"},
        "page": 1,
        "per_page": 50,
        "landing_pages": [
            {"path": "/blog/a", "entries": 3},
            {"path": "/", "entries": 2},
            {"path": "/pricing", "entries": 2},
            {"path": "/signup", "entries": 1},
        ],
        "exit_pages": [
            {"path": "/", "exits": 2},
            {"path": "/pricing", "exits": 2},
            {"path": "/signup", "exits": 2},
            {"path": "/blog/a", "exits": 1},
            {"path": "/blog/b", "exits": 1},
        ],
    }


def test_flow_paginates_both_lists(fetch):
    data = fetch("flow", per_page=1, page=2)

    assert data["landing_pages"] == [{"path": "/", "entries": 2}]
    assert data["exit_pages"] == [{"path": "/pricing", "exits": 2}]


def test_flow_of_a_content_group_counts_its_pages_only(fetch):
    data = fetch("flow", content_group="Blog")

    assert data["landing_pages"] == [{"path": "/blog/a", "entries": 3}]
    # V11 left from "/", which is not a Blog page.
    assert data["exit_pages"] == [{"path": "/blog/a", "exits": 1}, {"path": "/blog/b", "exits": 1}]


# --- Funnel ----------------------------------------------------------------------------------


def funnel(fetch, *steps, **query) -> list[tuple]:
    rows = fetch("funnel", steps=list(steps), **query)["funnel"]
    return [(row["step"], row["sessions"], row["conversion_rate"]) for row in rows]


def test_funnel_counts_visits_reaching_the_steps_in_order(fetch):
    data = fetch("funnel", steps=["/pricing", "/signup", "signup_complete"])

    assert data == {
        "period": {"start": "2026-03-04", "end": "2026-03-10"},
        "funnel": [
            {"step": "/pricing", "sessions": 4, "conversion_rate": 100},
            # V6 saw /signup before /pricing; V2-B never saw /signup.
            {"step": "/signup", "sessions": 2, "conversion_rate": 50.0},
            # V7's signup_complete came 30 min 1 s later: another session.
            {"step": "signup_complete", "sessions": 1, "conversion_rate": 50.0},
        ],
    }


def test_funnel_out_of_order_repeated_and_event_type_steps(fetch):
    assert funnel(fetch, "/signup", "/pricing") == [("/signup", 3, 100), ("/pricing", 1, 33.33)]
    assert funnel(fetch, "/pricing", "/pricing") == [("/pricing", 4, 100), ("/pricing", 1, 25.0)]
    assert funnel(fetch, "page_view", "outbound_link") == [
        ("page_view", 8, 100),
        ("outbound_link", 1, 12.5),
    ]


def test_funnel_with_an_empty_step_and_a_content_group(fetch):
    assert funnel(fetch, "/nowhere", "/pricing") == [("/nowhere", 0, 100), ("/pricing", 0, 0.0)]
    assert funnel(fetch, "/blog/a", "/", content_group="Blog") == [
        ("/blog/a", 3, 100),
        ("/", 1, 33.33),
    ]


# --- Realtime --------------------------------------------------------------------------------


def test_realtime_reads_the_last_30_minutes_without_bots_or_excluded_traffic(fetch):
    expected = {
        "active_visitors": 2,  # V8 and V11
        "top_pages": [{"path": "/", "visitors": 2}, {"path": "/blog/a", "visitors": 1}],
        "events_by_type": [
            {"eventType": "page_view", "count": 3},
            {"eventType": "custom", "count": 1},
            {"eventType": "scroll_25", "count": 1},
        ],
    }
    assert fetch("realtime") == expected
    assert fetch("realtime", include_bots="true") == expected


# --- Custom events ---------------------------------------------------------------------------


def test_custom_events(fetch):
    data = fetch("custom-events")

    assert data == {
        "period": {"start": "2026-03-04", "end": "2026-03-10"},
        "page": 1,
        "per_page": 50,
        "rows": [{"name": "signup_complete", "count": 3}, {"name": "video_play", "count": 1}],
    }
    assert fetch("custom-events", include_bots="true")["rows"][0] == {
        "name": "signup_complete",
        "count": 4,
    }
    assert fetch("custom-events", event_name="video_play")["rows"] == [
        {"name": "video_play", "count": 1}
    ]
    assert fetch("custom-events", period="yesterday")["rows"] == [
        {"name": "signup_complete", "count": 2}
    ]
    # Only the custom events of visits that viewed a Blog page (V11).
    assert fetch("custom-events", content_group="Blog")["rows"] == [
        {"name": "video_play", "count": 1}
    ]


# --- Timeseries ------------------------------------------------------------------------------


def series(fetch, **query) -> list:
    data = fetch("timeseries", **query)
    dates = [point["date"] for point in data["series"]]
    assert dates == [f"2026-03-{day:02d}" for day in range(4, 11)]
    return [point["value"] for point in data["series"]]


def test_timeseries_shape(fetch):
    data = fetch("timeseries")

    assert data["period"] == {"start": "2026-03-04", "end": "2026-03-10"}
    assert (data["metric"], data["path"]) == ("pageviews", "*")
    assert data["series"][4] == {"date": "2026-03-08", "value": 7}
    assert fetch("timeseries", path="/pricing")["path"] == "/pricing"


def test_timeseries_site_wide(fetch):
    assert series(fetch) == [*ZEROS, 7, 5, 3]
    assert series(fetch, metric="visits") == [*ZEROS, 3, 3, 2]
    assert series(fetch, metric="unique_pageviews") == [*ZEROS, 6, 5, 3]
    assert series(fetch, metric="bounce_rate") == [*ZEROS, 33.33, 33.33, 50.0]
    assert series(fetch, metric="avg_session_duration") == [*ZEROS, 550, 640, 330]
    assert series(fetch, metric="landing_page_entries") == [*ZEROS, 3, 3, 2]
    assert series(fetch, metric="exit_page_exits") == [*ZEROS, 3, 3, 2]


def test_timeseries_of_one_path(fetch):
    assert series(fetch, path="/pricing") == [*ZEROS, 2, 3, 0]
    assert series(fetch, path="/pricing", metric="unique_pageviews") == [*ZEROS, 1, 3, 0]
    assert series(fetch, path="/pricing", metric="visits") == [*ZEROS, 1, 3, 0]
    assert series(fetch, path="/pricing", metric="bounce_rate") == [*ZEROS, 0.0, 33.33, 0.0]
    assert series(fetch, path="/blog/a", metric="landing_page_entries") == [*ZEROS, 2, 0, 1]
    assert series(fetch, path="/", metric="exit_page_exits") == [*ZEROS, 0, 0, 2]


def test_timeseries_of_a_content_group(fetch):
    assert series(fetch, content_group="Blog") == [*ZEROS, 3, 0, 1]
    assert series(fetch, content_group="Blog", metric="landing_page_entries") == [*ZEROS, 2, 0, 1]
    assert series(fetch, content_group="Blog", metric="visits") == [*ZEROS, 2, 0, 1]
