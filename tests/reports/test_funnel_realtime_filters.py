"""Funnel and realtime with `filters`, through the API, on the hand-built data set (conftest.py).

Every filter is decided per visit: a visit-level leaf on the visit's first event, an event-level
leaf (top-level or nested) by whether the visit has a matching event (a page view, for pages and
groups). The funnel counts the steps of the kept visits; realtime the window's events of the
kept visits.
"""

import json

import pytest

from tests.envelope import assert_error, success_data
from tests.reports.conftest import report_get
from tests.reports.factories import event_build, events_insert

pytestmark = pytest.mark.django_db


def funnel(tenant, website, steps: list[str], filters: list, **query) -> list[tuple]:
    response = report_get(
        tenant, "funnel", website, steps=steps, filters=json.dumps(filters), **query
    )
    rows = success_data(response)["funnel"]
    return [(row["step"], row["sessions"], row["conversion_rate"]) for row in rows]


def realtime(tenant, website, filters: list) -> dict:
    return success_data(report_get(tenant, "realtime", website, filters=json.dumps(filters)))


# --- Funnel ----------------------------------------------------------------------------------

PRICING_THEN_SIGNUP = ["/pricing", "/signup"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # Unfiltered: V1-A, V2-B, V6 and V7-A reach /pricing; V1-A and V7-A then /signup.
        ([], [("/pricing", 4, 100), ("/signup", 2, 50.0)]),
        # A visit-level leaf: V1-A and V7-A came from a search engine.
        (
            [["is", "visit:channel", ["Organic Search"]]],
            [("/pricing", 2, 100), ("/signup", 2, 100.0)],
        ),
        # An event-level leaf keeps whole visits: V1-A and V6 have a signup_complete (V7's came
        # in another session), and all their events count as steps.
        ([["is", "event:name", ["signup_complete"]]], [("/pricing", 2, 100), ("/signup", 1, 50.0)]),
        # At top level `is_not` too keeps the visits with a page view elsewhere: all but V2-B.
        ([["is_not", "event:page", ["/pricing"]]], [("/pricing", 3, 100), ("/signup", 2, 66.67)]),
        # Nested: desktop visits (V1-A, V1-B, V6, V7-A) that never viewed "/" (V1-A did).
        (
            [["and", [["is", "visit:device", ["desktop"]], ["not", ["is", "event:page", ["/"]]]]]],
            [("/pricing", 2, 100), ("/signup", 1, 50.0)],
        ),
        # Either from t.co (V2-A, V2-B) or with an outbound link (V7-A), not on Firefox.
        (
            [
                [
                    "or",
                    [["is", "visit:source", ["t.co"]], ["is", "event:type", ["outbound_link"]]],
                ],
                ["is_not", "visit:browser", ["Firefox"]],
            ],
            [("/pricing", 2, 100), ("/signup", 1, 50.0)],
        ),
        # Nothing kept.
        ([["is", "visit:country", ["FR"]]], [("/pricing", 0, 100), ("/signup", 0, 0.0)]),
    ],
)
def test_the_funnel_counts_the_steps_of_the_kept_visits(tenant, dataset, filters, expected):
    assert funnel(tenant, dataset, PRICING_THEN_SIGNUP, filters) == expected


def test_a_content_group_is_one_more_filter_of_the_funnel(tenant, dataset):
    # Blog visits: V1-B (desktop), V2-A and V11 (mobile); V11 went on to "/".
    blog = {"content_group": "Blog"}
    assert funnel(tenant, dataset, ["/blog/a", "/"], [], **blog) == [
        ("/blog/a", 3, 100),
        ("/", 1, 33.33),
    ]
    mobile = [["is", "visit:device", ["mobile"]]]
    assert funnel(tenant, dataset, ["/blog/a", "/"], mobile, **blog) == [
        ("/blog/a", 2, 100),
        ("/", 1, 50.0),
    ]


def test_the_filtered_funnel_exports_csv(tenant, dataset):
    response = report_get(
        tenant,
        "funnel",
        dataset,
        steps=PRICING_THEN_SIGNUP,
        filters=json.dumps([["is", "visit:channel", ["Organic Search"]]]),
        format="csv",
    )
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines == ["step,sessions,conversion_rate", "/pricing,2,100", "/signup,2,100.0"]


# --- Realtime --------------------------------------------------------------------------------

NOBODY = {"active_visitors": 0, "top_pages": [], "events_by_type": []}


def test_realtime_counts_the_window_events_of_the_kept_visits(tenant, dataset):
    # In the window (11:30 .. 12:00): V8 (tablet, "/" and a scroll) and V11 (mobile, "/blog/a",
    # "/" and a custom event); V9 is a bot, V10 excluded.
    v11 = {
        "active_visitors": 1,
        "top_pages": [{"path": "/", "visitors": 1}, {"path": "/blog/a", "visitors": 1}],
        "events_by_type": [
            {"eventType": "page_view", "count": 2},
            {"eventType": "custom", "count": 1},
        ],
    }
    v8 = {
        "active_visitors": 1,
        "top_pages": [{"path": "/", "visitors": 1}],
        "events_by_type": [
            {"eventType": "page_view", "count": 1},
            {"eventType": "scroll_25", "count": 1},
        ],
    }
    assert realtime(tenant, dataset, [["is", "visit:device", ["mobile"]]]) == v11
    # An event-level leaf keeps the visit, and the window's every event of it counts.
    assert realtime(tenant, dataset, [["is", "event:type", ["scroll_25"]]]) == v8
    assert realtime(tenant, dataset, [["contains", "event:page", ["blog"]]]) == v11
    nested = ["not", ["or", [["is", "visit:channel", ["Referral"]], ["is", "event:page", ["/x"]]]]]
    assert realtime(tenant, dataset, [nested]) == v8
    assert realtime(tenant, dataset, [["is", "visit:country", ["FR"]]]) == NOBODY
    # Bots never count, whatever the filters.
    assert realtime(tenant, dataset, [["is", "visit:device", ["bot"]]]) == NOBODY


def test_realtime_judges_a_visit_begun_before_the_window_whole(tenant, website):
    search = {"referrer_channel": 2, "referrer_domain": "google.com"}
    events_insert(
        [
            # Arrived from a search engine at 11:20, before the window; browsing since.
            event_build(website, "2026-03-10 11:20:00", 1, path="/", **search),
            event_build(website, "2026-03-10 11:45:00", 1, path="/pricing"),
            # Arrived directly in the window.
            event_build(website, "2026-03-10 11:50:00", 2, path="/pricing"),
        ]
    )
    assert realtime(tenant, website, [["is", "visit:source", ["google.com"]]]) == {
        "active_visitors": 1,
        "top_pages": [{"path": "/pricing", "visitors": 1}],
        "events_by_type": [{"eventType": "page_view", "count": 1}],
    }
    # The page viewed before the window counts for the filter, not in the figures.
    assert realtime(tenant, website, [["is", "event:page", ["/"]]])["active_visitors"] == 1


def test_the_filtered_realtime_exports_csv(tenant, dataset):
    response = report_get(
        tenant,
        "realtime",
        dataset,
        filters=json.dumps([["is", "visit:device", ["tablet"]]]),
        format="csv",
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode().splitlines() == ["path,visitors", "/,1"]


# --- Refusals and tenancy --------------------------------------------------------------------

HOSTILE_FILTERS = [
    ("not json", "filters"),
    ('{"is": 1}', "filters"),
    (json.dumps([["is", "visit:colour", ["x"]]]), "visit:colour"),
    (json.dumps([["matches", "event:page", ["a" * 257]]]), "at most 256"),
    (json.dumps([["not"] * 10 + [["is", "event:page", ["/"]]]]), "filters"),
    # PostgreSQL refuses the expression: a 400, not a 500.
    (json.dumps([["matches", "event:page", ["("]]]), "invalid regular expression"),
    (json.dumps([["not", ["matches", "visit:source", ["[z-a]"]]]]), "invalid regular expression"),
]


@pytest.mark.parametrize(("filters", "mentions"), HOSTILE_FILTERS)
@pytest.mark.parametrize(
    ("report", "required"),
    [("funnel", {"steps": PRICING_THEN_SIGNUP}), ("realtime", {}), ("pages", {})],
)
def test_hostile_filters_are_400(tenant, dataset, report, required, filters, mentions):
    response = report_get(tenant, report, dataset, filters=filters, **required)
    message = assert_error(response, 400, "INVALID_PAYLOAD", mentions=mentions)
    assert message.startswith("filters")


@pytest.mark.parametrize(
    ("report", "required"), [("funnel", {"steps": PRICING_THEN_SIGNUP}), ("realtime", {})]
)
def test_another_accounts_website_is_404_with_filters_too(other_tenant, dataset, report, required):
    filters = json.dumps([["is", "visit:device", ["mobile"]]])
    response = report_get(other_tenant, report, dataset, filters=filters, **required)
    assert_error(response, 404, "NOT_FOUND")
