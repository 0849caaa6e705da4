"""Realtime (`stats.realtime`), proved on random traffic and random clocks.

On the query engine's random traffic, with "now" drawn around an event (the window's bounds
included: an event exactly 30 minutes before now is out, one at now is in), live, with a day's
closed sessions stored, with some days aggregated and with all of them:

- without filters, the JSON equals, byte for byte, the reference's (`reports.reference`);
- with a filter that keeps every visit, the same JSON, read from the sessions;
- with filters, it equals the reference's unfiltered realtime over a second website holding only
  the events of the sessions the independent oracle keeps (each decided per visit, on the whole
  session, bots never counted).
"""

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import reference, selectors
from reports.params import DateRange, ReportParams
from stats.filters import filters_parse
from tests.stats.test_engine import (
    DAYS,
    FIRST_DAY,
    ZONES,
    events_of,
    filter_strategy,
    rows_store,
    visitor_strategy,
)
from tests.stats.test_funnel import (
    FILTER_CASES,
    as_json,
    kept_rows,
    storage_phases,
    website_reset,
)

pytestmark = pytest.mark.django_db

# Seconds from the anchor event to "now": around both ends of the 30-minute window.
OFFSETS = [-1, 0, 1, 600, 1799, 1800, 1801]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    traffic=st.lists(visitor_strategy, min_size=4, max_size=12),
    anchor=st.integers(0, 1000),
    offset=st.sampled_from(OFFSETS),
    drawn=st.lists(filter_strategy, min_size=1, max_size=2),
    zone=st.sampled_from(ZONES),
    aggregated=st.sets(st.sampled_from([FIRST_DAY - timedelta(days=1), *DAYS])),
    partly=st.one_of(st.none(), st.tuples(st.sampled_from(DAYS), st.integers(0, 100))),
)
def test_realtime_is_the_reference_and_with_filters_that_of_the_kept_visits(
    website, kept_site, traffic, anchor, offset, drawn, zone, aggregated, partly
):
    website_reset(website, zone)
    rows = events_of(traffic)
    rows_store(website, rows)
    now = rows[anchor % len(rows)]["timestamp"] + timedelta(seconds=offset)
    plain = ReportParams(period=DateRange(DAYS[0], DAYS[-1]), time_zone=zone, now=now)
    expected = {None: as_json(reference.report_realtime(website=website, params=plain))}
    for filters in [drawn, *FILTER_CASES]:
        website_reset(kept_site, zone)
        rows_store(kept_site, kept_rows(rows, zone=zone, filters=filters, include_bots=False))
        expected[json.dumps(filters)] = as_json(
            reference.report_realtime(website=kept_site, params=plain)
        )
    # The first case keeps every visit: the sessions give the raw events' answer.
    assert expected[json.dumps(FILTER_CASES[0])] == expected[None]
    for phase in storage_phases(website, zone, partly, aggregated):
        for filters, payload in expected.items():
            params = ReportParams(
                period=plain.period,
                time_zone=zone,
                now=now,
                filters=filters_parse(json.loads(filters)) if filters else (),
            )
            assert as_json(selectors.report_realtime(website=website, params=params)) == payload, (
                phase,
                filters,
            )
