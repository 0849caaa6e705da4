"""The reports' presets: a report asked with `filters` is answered by the query engine, and with
a filter that keeps everything it must give, byte for byte, the JSON the rollups give without.

Every report and option of the rollups' equivalence proof (`tests/aggregation/test_equivalence`:
bots, content groups, comparisons, pagination and CSV's every row, group_by, event_name, every
timeseries metric with and without a path), on its random traffic, in any time zone, with a random
set of days aggregated.
"""

import json
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregation.services import day_aggregate
from reports import selectors
from reports.params import DateRange, ReportParams
from stats.dimensions import dimension_get
from stats.filters import Leaf
from tests.aggregation.test_equivalence import (
    FIRST_DAYS,
    LAST_DAYS,
    LOCAL_EVENT_DAYS,
    TIME_ZONES,
    as_json,
    cases,
    events_build,
    tables_clear,
    traffic_strategy,
)
from tests.envelope import assert_error, success_data
from tests.reports.factories import event_build, events_insert

pytestmark = pytest.mark.django_db

# No event of the traffic has a country: `is_not` keeps a missing value.
KEEPS_EVERYTHING = (Leaf("is_not", dimension_get("visit:country"), ("ZZ",)),)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    traffic=traffic_strategy,
    first=st.sampled_from(FIRST_DAYS),
    last=st.sampled_from(LAST_DAYS),
    time_zone=st.sampled_from(TIME_ZONES),
    aggregated=st.sets(st.sampled_from(LOCAL_EVENT_DAYS)),
)
def test_a_filter_that_keeps_everything_changes_no_report(
    website, traffic, first, last, time_zone, aggregated
):
    tables_clear(website)
    website.timezone = time_zone
    website.save(update_fields=["timezone"])
    events_insert(events_build(website, traffic))
    for day in sorted(aggregated):
        day_aggregate(website_id=website.pk, day=day)
    for label, name, params in cases(DateRange(first, last), time_zone):
        report = getattr(selectors, f"report_{name}")
        expected = as_json(report(website=website, params=params))
        filtered = replace(params, filters=KEEPS_EVERYTHING)
        assert as_json(report(website=website, params=filtered)) == expected, label


def test_weeks_and_months_sum_the_days(website):
    events_insert(
        [
            event_build(website, f"2026-11-{day:02d} 10:00:00", day, path=f"/{day % 3}")
            for day in range(1, 31)
        ]
    )
    period = DateRange(date(2026, 11, 3), date(2026, 11, 30))
    daily = selectors.report_timeseries(
        website=website, params=ReportParams(period=period, extra={"metric": "visits"})
    )["series"]
    weekly = selectors.report_timeseries(
        website=website,
        params=ReportParams(period=period, extra={"metric": "visits", "interval": "week"}),
    )["series"]
    # 3 November is a Tuesday: the first week is cut to start there.
    assert [week["date"] for week in weekly] == [
        "2026-11-03",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]
    assert [week["value"] for week in weekly] == [6, 7, 7, 7, 1]
    assert sum(day["value"] for day in daily) == sum(week["value"] for week in weekly) == 28


def test_reports_take_filters_through_the_api(tenant, website):
    events_insert(
        [
            event_build(website, "2026-11-02 10:00:00", 1, path="/", device_type=2),
            event_build(website, "2026-11-02 10:00:00", 2, path="/a", device_type=1),
        ]
    )
    query = {
        "website_id": str(website.pk),
        "start_date": "2026-11-01",
        "end_date": "2026-11-03",
        "filters": json.dumps([["is", "visit:device", ["mobile"]]]),
    }
    data = success_data(tenant.client.get("/api/v1/reports/pages", query))
    assert data["rows"] == [
        {"path": "/", "contentGroup": None, "pageviews": 1, "uniquePageviews": 1}
    ]
    hourly = success_data(
        tenant.client.get(
            "/api/v1/reports/timeseries", {**query, "interval": "hour", "metric": "visits"}
        )
    )["series"]
    assert len(hourly) == 72
    assert {"date": "2026-11-02T10:00:00+00:00", "value": 1} in hourly
    assert sum(hour["value"] for hour in hourly) == 1


@pytest.mark.parametrize(
    ("report", "params", "mentions"),
    [
        ("pages", {"filters": "not json"}, "filters"),
        ("pages", {"filters": "[" * 5000 + "]" * 5000}, "filters"),
        (
            "pages",
            {"filters": json.dumps([["not"] * 10 + [["is", "event:page", ["/"]]]])},
            "filters",
        ),
        ("pages", {"filters": json.dumps([["is", "visit:colour", ["x"]]])}, "visit:colour"),
        ("pages", {"filters": json.dumps({"is": 1})}, "filters"),
        ("timeseries", {"interval": "hour", "period": "90d"}, "interval"),
        ("timeseries", {"interval": "minute"}, "interval"),
    ],
)
def test_bad_filters_or_intervals_are_400(tenant, website, report, params, mentions):
    response = tenant.client.get(
        f"/api/v1/reports/{report}", {"website_id": str(website.pk), **params}
    )
    assert_error(response, 400, "INVALID_PAYLOAD", mentions=mentions)
