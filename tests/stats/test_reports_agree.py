"""The same question asked two ways: the TinyTrail reports and the query engine agree.

On the random traffic of the reports' equivalence proof (any time zone), every figure a report
gives must be the engine's answer to the matching query: summary totals, sources by channel and
referrer, pages (page views and the visits that viewed each), landing and exit pages, devices,
custom events and daily timeseries, with and without bots and a content group (a top-level
`event:content_group` filter).
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import selectors
from reports.params import DateRange, ReportParams
from stats.query import query_build, query_parse
from stats.runner import query_run
from tests.aggregation.test_equivalence import (
    FIRST_DAYS,
    LAST_DAYS,
    TIME_ZONES,
    events_build,
    tables_clear,
    traffic_strategy,
)
from tests.reports.factories import events_insert

pytestmark = pytest.mark.django_db


def engine(website, period: DateRange, *, bots: bool, group: str | None, **body) -> list:
    filters = [["is", "event:content_group", [group]]] if group else []
    parsed = query_parse(
        {
            "website_id": str(website.pk),
            "date_range": [period.start.isoformat(), period.end.isoformat()],
            "include_bots": bots,
            "pagination": {"limit": 10_000},
            **body,
            "filters": filters + body.get("filters", []),
        }
    )
    query = query_build(parsed, timezone=website.timezone, today=period.end, first_day=None)
    return query_run(website=website, query=query)["results"]


def rows(results: list, *keys: str) -> list[dict]:
    return [dict(zip(keys, [*r["dimensions"], *r["metrics"]], strict=True)) for r in results]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    traffic=traffic_strategy,
    first=st.sampled_from(FIRST_DAYS),
    last=st.sampled_from(LAST_DAYS),
    time_zone=st.sampled_from(TIME_ZONES),
    bots=st.booleans(),
    group=st.sampled_from([None, "Blog"]),
)
def test_every_report_figure_is_the_engines(website, traffic, first, last, time_zone, bots, group):
    tables_clear(website)
    website.timezone = time_zone
    website.save(update_fields=["timezone"])
    events_insert(events_build(website, traffic))
    period = DateRange(first, last)
    params = ReportParams(
        period=period, include_bots=bots, time_zone=time_zone, content_group=group, per_page=None
    )
    ask = {"website": website, "period": period, "bots": bots, "group": group}

    summary = selectors.report_summary(website=website, params=params)["metrics"]
    metrics = ["visits", "visitors", "pageviews", "bounce_rate", "visit_duration"]
    (totals,) = engine(**ask, metrics=metrics)
    assert [summary[name]["value"] for name in summary] == totals["metrics"]

    channels = list(selectors.report_sources(website=website, params=params)["rows"])
    by_channel = engine(**ask, metrics=["visits"], dimensions=["visit:channel"])
    assert channels == rows(by_channel, "channel", "visits")

    pages = list(selectors.report_pages(website=website, params=params)["rows"])
    by_page = engine(
        **ask,
        metrics=["pageviews", "visits"],
        dimensions=["event:page", "event:content_group"],
        filters=[["is", "event:type", ["page_view"]]],
    )
    assert pages == rows(by_page, "path", "contentGroup", "pageviews", "uniquePageviews")

    devices = selectors.report_devices(website=website, params=params)["device_types"]
    by_device = engine(**ask, metrics=["visits"], dimensions=["visit:device"])
    assert devices == rows(by_device, "deviceType", "visits")

    if group is None:  # landing and exit rows of a group count its page views only
        flow = selectors.report_flow(website=website, params=params)
        entries = engine(**ask, metrics=["visits"], dimensions=["visit:entry_page"])
        assert list(flow["landing_pages"]) == rows(entries, "path", "entries")
        exits = engine(**ask, metrics=["visits"], dimensions=["visit:exit_page"])
        assert list(flow["exit_pages"]) == rows(exits, "path", "exits")

        custom = list(selectors.report_custom_events(website=website, params=params)["rows"])
        named = engine(
            **ask,
            metrics=["events"],
            dimensions=["event:name"],
            filters=[["is", "event:type", ["custom"]], ["is_not", "event:name", [None]]],
        )
        assert custom == rows(named, "name", "count")

    for metric in ("visits", "pageviews"):
        series = selectors.report_timeseries(
            website=website,
            params=ReportParams(
                period=period,
                include_bots=bots,
                time_zone=time_zone,
                content_group=group,
                extra={"metric": metric},
            ),
        )["series"]
        daily = {
            r["dimensions"][0]: r["metrics"][0]
            for r in engine(**ask, metrics=[metric], dimensions=["time:day"])
        }
        assert series == [
            {"date": day["date"], "value": daily.get(day["date"], 0)} for day in series
        ]
