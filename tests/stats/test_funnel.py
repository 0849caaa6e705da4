"""The funnel read from the engine's sessions (`stats.funnel`), proved on random traffic.

Hypothesis draws the query engine's traffic (`tests/stats/test_engine.py`: gaps around the
30-minute rule, local midnights in four zones, bots, excluded traffic, groups, custom events),
steps (paths, custom event names, event types, repeated steps) and nested filters, and checks,
live, with a day's closed sessions stored, with some days aggregated and with all of them:

- without filters, the JSON equals, byte for byte, the reference's over raw events
  (`reports.reference.report_funnel`);
- with filters, it equals the reference's unfiltered funnel over a second website that holds
  only the events of the visits the filters keep, chosen by the independent oracle
  (`tests/stats/oracle.py`: every filter decided per visit).
"""

import json
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregation.models import AggregationDay, Session, SessionEvents
from aggregation.services import day_aggregate, day_closed_sessions_store
from analytics_site.calendar import local_midnight
from ingest.models import Event
from reports import reference, selectors
from reports.params import DateRange, ReportParams
from stats.filters import filters_parse
from tests.stats.oracle import holds_for_session, sessionize
from tests.stats.test_engine import (
    DAYS,
    FIRST_DAY,
    PATHS,
    TODAY,
    ZONES,
    events_of,
    filter_strategy,
    rows_store,
    visitor_strategy,
)

pytestmark = pytest.mark.django_db

# Steps that many visits reach (page views, "/" and "/a") drawn more often than the others.
STEPS = [
    *["page_view", "/", "/a"] * 3,
    *PATHS,
    "signup",
    "play",
    "custom",
    "outbound_link",
    "scroll_25",
]
# Steps every example checks besides the drawn ones: custom event names and types first too.
STEP_CASES = [["signup", "/", "play"], ["custom", "page_view", "custom"], ["/a", "scroll_25"]]
# Filters every example checks besides the drawn ones: visit-level, event-level, nested.
FILTER_CASES = [
    # No event of the drawn traffic is from "ZZ": `is_not` keeps a missing country too.
    [["is_not", "visit:country", ["ZZ"]]],
    [["is", "visit:device", ["mobile"]]],
    [["contains", "event:page", ["blog"], {"case_sensitive": False}]],
    [["is", "event:name", ["signup"]]],
    [["not", ["is", "event:page", ["/a"]]]],
    [
        [
            "or",
            [
                ["is", "visit:source", [None]],
                [
                    "and",
                    [["is", "event:type", ["custom"]], ["not", ["is", "visit:country", ["DE"]]]],
                ],
            ],
        ],
        ["is_not", "visit:browser", ["Firefox"]],
    ],
]


def website_reset(website, zone: str) -> None:
    Event.objects.filter(website=website).delete()
    Session.objects.filter(website=website).delete()
    SessionEvents.objects.filter(website=website).delete()
    AggregationDay.objects.filter(website=website).delete()
    website.timezone = zone
    website.save(update_fields=["timezone"])


def kept_rows(rows: list[dict], *, zone: str, filters: list, include_bots: bool) -> list[dict]:
    """The counted events of the oracle's sessions that pass every filter, in stored order
    (copies: storing them elsewhere gives them other ids)."""
    counted = [
        row for row in rows if not row["is_excluded"] and (include_bots or not row["is_bot"])
    ]
    kept = [
        session
        for session in sessionize(counted, ZoneInfo(zone))
        if all(holds_for_session(item, session) for item in filters)
    ]
    events = sorted((event for s in kept for event in s.events), key=lambda event: event["id"])
    return [dict(event) for event in events]


def storage_phases(website, zone: str, partly, aggregated):
    """Yields a label after each change of what is stored: nothing (live), a day's closed
    sessions, some days aggregated, every day aggregated."""
    yield "live"
    if partly is not None:
        day, quarters = partly
        cutoff = local_midnight(day, zone) + timedelta(minutes=15 * quarters)
        day_closed_sessions_store(website_id=website.pk, day=day, cutoff=cutoff)
        yield "closed sessions stored"
    for day in sorted(aggregated):
        day_aggregate(website_id=website.pk, day=day)
    yield "mixed"
    every_day = {FIRST_DAY + timedelta(days=n) for n in range(-1, (TODAY - FIRST_DAY).days + 1)}
    for day in sorted(every_day - aggregated):
        day_aggregate(website_id=website.pk, day=day)
    yield "stored"


def as_json(payload: dict) -> str:
    return json.dumps(payload)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    traffic=st.lists(visitor_strategy, min_size=4, max_size=12),
    steps=st.lists(st.sampled_from(STEPS), min_size=2, max_size=4),
    drawn=st.lists(filter_strategy, min_size=1, max_size=2),
    group=st.sampled_from([None, None, "Blog"]),
    include_bots=st.booleans(),
    first=st.sampled_from([DAYS[0], DAYS[0], DAYS[1], DAYS[3]]),
    zone=st.sampled_from(ZONES),
    aggregated=st.sets(st.sampled_from([FIRST_DAY - timedelta(days=1), *DAYS])),
    partly=st.one_of(st.none(), st.tuples(st.sampled_from(DAYS), st.integers(0, 100))),
)
def test_the_funnel_is_the_reference_and_with_filters_that_of_the_kept_visits(
    website, kept_site, traffic, steps, drawn, group, include_bots, first, zone, aggregated, partly
):
    website_reset(website, zone)
    rows = events_of(traffic)
    rows_store(website, rows)
    plain = ReportParams(
        period=DateRange(first, DAYS[-1]), include_bots=include_bots, time_zone=zone
    )
    step_lists = [steps, *STEP_CASES]
    # Without filters, by steps; with each set of filters, by filters then steps.
    expected = {
        (None, json.dumps(steps)): as_json(
            reference.report_funnel(
                website=website, params=replace(plain, content_group=group, extra={"steps": steps})
            )
        )
        for steps in step_lists
    }
    # The content group is one more filter decided per visit.
    group_filter = [["is", "event:content_group", [group]]] if group else []
    for filters in [drawn, *FILTER_CASES]:
        website_reset(kept_site, zone)
        kept = kept_rows(rows, zone=zone, filters=filters + group_filter, include_bots=include_bots)
        rows_store(kept_site, kept)
        for steps in step_lists:
            expected[json.dumps(filters), json.dumps(steps)] = as_json(
                reference.report_funnel(
                    website=kept_site, params=replace(plain, extra={"steps": steps})
                )
            )
    for phase in storage_phases(website, zone, partly, aggregated):
        for (filters, steps), payload in expected.items():
            params = replace(
                plain,
                content_group=group,
                filters=filters_parse(json.loads(filters)) if filters else (),
                extra={"steps": json.loads(steps)},
            )
            funnel = selectors.report_funnel(website=website, params=params)
            assert as_json(funnel) == payload, (phase, filters, steps)
