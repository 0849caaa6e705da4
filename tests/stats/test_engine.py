"""The query engine against the independent oracle: random traffic, random queries, any zone.

Hypothesis draws visitors whose events straddle the 30-minute rule and local midnights (sites in
UTC, New York across the 2026-11-01 fall-back, Kolkata at +05:30 and Chatham at +12:45/+13:45),
with sources, devices, UTM values, countries, content groups, custom events and properties; and
queries with 0-2 dimensions (one of them maybe a time bucket), nested filters over every
operator, orders and comparisons. The JSON of `stats.runner.query_run` must equal the oracle's
(`tests/stats/oracle.py`, plain Python over the event rows):

- read live from the raw events (nothing aggregated),
- with a random set of days aggregated (stored sessions for those, live for the rest),
- with every day aggregated.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregation.models import AggregationDay, Session, SessionEvents
from aggregation.services import (
    aggregation_days_mark_stale,
    day_aggregate,
    day_closed_sessions_store,
)
from analytics_site.calendar import local_midnight
from ingest.models import Event
from stats.query import query_build, query_parse
from stats.runner import query_run
from tests.reports.factories import events_insert
from tests.stats.oracle import oracle_query

pytestmark = pytest.mark.django_db

ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
FIRST_DAY = date(2026, 10, 30)
DAYS = [FIRST_DAY + timedelta(days=n) for n in range(4)]  # 30 Oct .. 2 Nov (DST ends 1 Nov)
TODAY = date(2026, 11, 3)
PATHS = ["/", "/a", "/blog/x", "/Blog/Y"]
GROUPS = [None, None, "Blog", "Docs"]
REFERRERS = [(1, None), (2, "google.com"), (4, "t.co"), (6, "Example.org")]
UTMS = [None, None, "news", "Ads"]
DEVICES = [(1, "Chrome", "Windows", 4), (2, "Safari", "iOS", 1), (3, "Firefox", "Linux", 0)]
GAPS = [0, 1, 600, 1800, 1801, 3 * 3600]
TYPES = [1, 1, 1, 2, 3, 6, 7, 7]

event_strategy = st.fixed_dictionaries(
    {
        "gap": st.sampled_from(GAPS),
        "event_type": st.sampled_from(TYPES),
        "path": st.sampled_from(PATHS),
        "content_group": st.sampled_from(GROUPS),
        "name": st.sampled_from(["signup", "play", None]),
        "referrer": st.sampled_from(REFERRERS),
        "utm": st.sampled_from(UTMS),
        "device": st.sampled_from(DEVICES),
        "country": st.sampled_from([None, "DE", "US"]),
        "plan": st.sampled_from([None, "pro", "free", 3]),
        "excluded": st.sampled_from([False] * 9 + [True]),
    }
)
visitor_strategy = st.fixed_dictionaries(
    {
        "hash": st.integers(1, 5),
        "bot": st.sampled_from([False, False, False, True]),
        "day": st.sampled_from(DAYS),
        "start": st.integers(0, 86_399),
        "events": st.lists(event_strategy, min_size=1, max_size=6),
    }
)

VISIT_DIMENSIONS = [
    "visit:source",
    "visit:channel",
    "visit:utm_source",
    "visit:device",
    "visit:browser",
    "visit:screen",
    "visit:country",
    "visit:entry_page",
    "visit:exit_page",
]
EVENT_DIMENSIONS = [
    "event:page",
    "event:name",
    "event:type",
    "event:content_group",
    "event:props:plan",
]
TIME_DIMENSIONS = ["time:hour", "time:day", "time:week", "time:month"]
METRICS = [
    "visitors",
    "visits",
    "pageviews",
    "views_per_visit",
    "bounce_rate",
    "visit_duration",
    "events",
]

VALUES = {
    "visit:source": ["google.com", "t.co", None],
    "visit:channel": ["Direct", "Social", "organic search"],
    "visit:utm_source": ["news", "ads", None],
    "visit:device": ["mobile", "desktop"],
    "visit:browser": ["Chrome", "safari"],
    "visit:screen": ["320-375", "unknown"],
    "visit:country": ["DE", None],
    "visit:entry_page": ["/", "/a"],
    "visit:exit_page": ["/blog/x", None],
    "event:page": ["/", "/a", "/blog", "blog"],
    "event:name": ["signup", None],
    "event:type": ["page_view", "custom"],
    "event:content_group": ["Blog", None],
    "event:props:plan": ["pro", "3", None],
}


@st.composite
def leaf_strategy(draw):
    dimension = draw(st.sampled_from(VISIT_DIMENSIONS + EVENT_DIMENSIONS))
    op = draw(
        st.sampled_from(["is", "is_not", "contains", "contains_not", "matches", "matches_not"])
    )
    candidates = VALUES[dimension]
    if op not in ("is", "is_not"):
        candidates = [value for value in candidates if value is not None] or ["x"]
    values = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2, unique=True))
    if op.startswith("matches"):
        values = [f"^{value}" for value in values]
    leaf = [op, dimension, values]
    if draw(st.booleans()):
        leaf.append({"case_sensitive": draw(st.booleans())})
    return leaf


filter_strategy = st.recursive(
    leaf_strategy(),
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=3)).map(
            list
        ),
        children.map(lambda child: ["not", child]),
    ),
    max_leaves=4,
)


@st.composite
def query_strategy(draw):
    dimensions = draw(
        st.lists(st.sampled_from(VISIT_DIMENSIONS + EVENT_DIMENSIONS), max_size=2, unique=True)
    )
    if draw(st.booleans()):
        dimensions.insert(
            draw(st.integers(0, len(dimensions))), draw(st.sampled_from(TIME_DIMENSIONS))
        )
    metrics = draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=4, unique=True))
    first = draw(st.sampled_from(DAYS[:3]))
    last = draw(st.sampled_from([day for day in DAYS if day >= first]))
    body = {
        "date_range": [first.isoformat(), last.isoformat()],
        "metrics": metrics,
        "dimensions": dimensions,
        # Often none: filters over little traffic tend to keep nothing.
        "filters": draw(st.one_of(st.just([]), st.lists(filter_strategy, min_size=1, max_size=3))),
        "include_bots": draw(st.booleans()),
        "pagination": {
            "limit": draw(st.sampled_from([3, 100])),
            "offset": draw(st.sampled_from([0, 0, 2])),
        },
    }
    if draw(st.booleans()):
        body["order_by"] = [
            [draw(st.sampled_from(metrics)), draw(st.sampled_from(["asc", "desc"]))]
        ]
    if draw(st.booleans()):
        body["compare"] = draw(st.sampled_from(["previous_period", "yoy"]))
    return body


def events_of(traffic: list[dict]) -> list[dict]:
    rows, next_id = [], 1
    for person in traffic:
        moment = datetime.combine(person["day"], time.min, tzinfo=UTC) + timedelta(
            seconds=person["start"]
        )
        for event in person["events"]:
            channel, domain = event["referrer"]
            device, browser, os, screen = event["device"]
            rows.append(
                {
                    "id": next_id,
                    "timestamp": moment,
                    "event_type": event["event_type"],
                    "event_name": event["name"] if event["event_type"] == 7 else None,
                    "path": event["path"],
                    "referrer_domain": domain,
                    "referrer_channel": channel,
                    "utm_source": event["utm"],
                    "utm_medium": None,
                    "utm_campaign": None,
                    "utm_term": None,
                    "utm_content": event["utm"],
                    "browser_family": browser,
                    "os_family": os,
                    "device_type": device,
                    "screen_bucket": screen,
                    "country": event["country"],
                    "ip_hash": str(uuid.UUID(int=person["hash"])),
                    "content_group": event["content_group"],
                    "is_bot": person["bot"],
                    "is_excluded": event["excluded"],
                    "properties": None if event["plan"] is None else {"plan": event["plan"]},
                }
            )
            next_id += 1
            moment += timedelta(seconds=event["gap"])
    return rows


def rows_store(website, rows: list[dict]) -> None:
    """The rows as the website's events; each row then carries its stored id (the oracle and
    the sessions order a visitor's simultaneous events by id)."""
    events_insert(
        [Event(website=website, **{k: v for k, v in row.items() if k != "id"}) for row in rows]
    )
    stored = Event.objects.filter(website=website).order_by("id").values_list("id", flat=True)
    for row, event_id in zip(rows, stored, strict=True):
        row["id"] = event_id


def traffic_store(website, traffic: list[dict]) -> list[dict]:
    """Stores the traffic's events; returns their rows with the stored ids (`rows_store`)."""
    rows = events_of(traffic)
    rows_store(website, rows)
    return rows


def engine(website, body: dict) -> dict:
    parsed = query_parse({**body, "website_id": str(website.pk)})
    query = query_build(parsed, timezone=website.timezone, today=TODAY, first_day=None)
    data = query_run(website=website, query=query)
    del data["query"]
    return data


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    traffic=st.lists(visitor_strategy, min_size=2, max_size=10),
    drawn=st.lists(query_strategy(), min_size=1, max_size=3),
    zone=st.sampled_from(ZONES),
    aggregated=st.sets(st.sampled_from([FIRST_DAY - timedelta(days=1), *DAYS])),
    # A day stored in part: its sessions closed before a quarter hour of it.
    partly=st.one_of(st.none(), st.tuples(st.sampled_from(DAYS), st.integers(0, 100))),
)
def test_the_engine_agrees_with_the_oracle_live_stored_and_mixed(
    website, traffic, drawn, zone, aggregated, partly
):
    Event.objects.filter(website=website).delete()
    Session.objects.filter(website=website).delete()
    SessionEvents.objects.filter(website=website).delete()
    AggregationDay.objects.filter(website=website).delete()
    website.timezone = zone
    website.save(update_fields=["timezone"])
    # Always also every metric over every day, unfiltered: random filters often keep nothing.
    queries = [{"date_range": [DAYS[0].isoformat(), DAYS[-1].isoformat()], "metrics": METRICS}]
    queries += drawn
    rows = traffic_store(website, traffic)
    expected = [oracle_query(rows, timezone=zone, query=body, today=TODAY) for body in queries]
    assert [engine(website, body) for body in queries] == expected  # live
    if partly is not None:
        day, quarters = partly
        cutoff = local_midnight(day, zone) + timedelta(minutes=15 * quarters)
        day_closed_sessions_store(website_id=website.pk, day=day, cutoff=cutoff)
        assert [engine(website, body) for body in queries] == expected  # closed sessions stored
    for day in sorted(aggregated):
        day_aggregate(website_id=website.pk, day=day)
    assert [engine(website, body) for body in queries] == expected  # mixed
    every_day = {FIRST_DAY + timedelta(days=n) for n in range(-1, (TODAY - FIRST_DAY).days + 1)}
    for day in sorted(every_day - aggregated):
        day_aggregate(website_id=website.pk, day=day)
    assert [engine(website, body) for body in queries] == expected  # stored


VIEWED_CASES = [
    ["is", "event:page", ["/"]],
    ["is", "event:page", ["/blog"]],
    ["is", "event:page", ["/BLOG/Y"], {"case_sensitive": False}],
    ["contains", "event:page", ["log/"]],
    ["contains", "event:page", ["BLOG"], {"case_sensitive": False}],
    ["contains", "event:page", ["%"]],
    ["contains", "event:page", ["_"]],
    ["is", "event:content_group", ["Blog"]],
    ["contains", "event:content_group", ["o"]],
    ["is_not", "event:page", ["/"]],
    ["not", ["is", "event:page", ["/a"]]],
]


@pytest.mark.parametrize("leaf", VIEWED_CASES)
def test_what_a_visit_viewed(website, leaf):
    """The filters on what a visit viewed, read from its stored `viewed_paths`/`viewed_groups`
    or looked up in its events, as the oracle decides them, live and stored."""
    page = {"gap": 60, "event_type": 1, "name": None, "referrer": REFERRERS[0], "utm": None}
    common = {"device": DEVICES[0], "country": None, "plan": None, "excluded": False}
    traffic = [
        {
            "hash": hash_,
            "bot": False,
            "day": DAYS[1],
            "start": 3600 * hash_,
            "events": [
                {**page, **common, "path": path, "content_group": group} for path, group in views
            ],
        }
        for hash_, views in enumerate(
            [
                [("/a", None)],
                [("/", None), ("/a_b", "Docs")],
                [("/blog/x", "Blog"), ("/a", None)],
                [("/Blog/Y", "Blog")],
                [("/100%", None)],
            ],
            start=1,
        )
    ]
    rows = traffic_store(website, traffic)
    body = {
        "date_range": [DAYS[0].isoformat(), DAYS[-1].isoformat()],
        "metrics": ["visits", "pageviews"],
        "filters": [leaf],
    }
    expected = oracle_query(rows, timezone="UTC", query=body, today=TODAY)
    assert engine(website, body) == expected
    day_aggregate(website_id=website.pk, day=DAYS[1])
    assert engine(website, body) == expected
    assert engine(website, {**body, "filters": [["and", [leaf]]]}) == oracle_query(
        rows, timezone="UTC", query={**body, "filters": [["and", [leaf]]]}, today=TODAY
    )


def test_rows_of_an_event_dimension_come_from_events_matching_the_event_filters(website):
    """Visit metrics by event type: a visit counts in a type's row only through an event of
    that type matching the filters, and a filter on the page also needs a page view of it;
    as the oracle says, live and stored."""
    base = {"gap": 30, "content_group": None, "referrer": REFERRERS[0], "utm": None}
    common = {"device": DEVICES[0], "country": None, "plan": None, "excluded": False}

    def event(event_type: int, path: str, name: str | None = None) -> dict:
        return {**base, **common, "event_type": event_type, "path": path, "name": name}

    traffic = [
        {
            "hash": 1,
            "bot": False,
            "day": DAYS[1],
            "start": 3600,
            "events": [event(1, "/blog/x"), event(3, "/blog/x"), event(7, "/a", "signup")],
        },
        {
            "hash": 2,
            "bot": False,
            "day": DAYS[1],
            "start": 7200,
            "events": [event(1, "/a"), event(7, "/blog/x", "signup")],
        },
    ]
    rows = traffic_store(website, traffic)
    body = {
        "date_range": [DAYS[0].isoformat(), DAYS[-1].isoformat()],
        "metrics": ["visitors", "visits", "events"],
        "dimensions": ["event:type"],
        "filters": [["contains", "event:page", ["/blog"]]],
    }
    named = {**body, "filters": [["is", "event:name", ["signup"]]]}
    expected = oracle_query(rows, timezone="UTC", query=body, today=TODAY)
    expected_named = oracle_query(rows, timezone="UTC", query=named, today=TODAY)
    # The second visitor viewed no /blog page: its custom event there counts as an event only.
    assert [(r["dimensions"], r["metrics"]) for r in expected["results"]] == [
        (["page_view"], [1, 1, 1]),
        (["scroll_25"], [1, 1, 1]),
        (["custom"], [0, 0, 1]),
    ]
    # Both visits hold a "signup": each counts in the custom row, and in no other.
    assert [(r["dimensions"], r["metrics"]) for r in expected_named["results"]] == [
        (["custom"], [2, 2, 2])
    ]
    for _ in ("live", "stored"):
        assert engine(website, body) == expected
        assert engine(website, named) == expected_named
        day_aggregate(website_id=website.pk, day=DAYS[1])


def test_a_late_event_before_the_cutoff_sends_the_day_back_to_its_raw_events(website):
    """Closed sessions stored up to 12:00; then an event at 11:50 arrives for a visitor whose
    stored session ended at 11:00: it now belongs to a session reaching past the cutoff."""
    first = {"gap": 600, "event_type": 1, "path": "/", "content_group": None, "name": None}
    common = {"referrer": REFERRERS[0], "utm": None, "device": DEVICES[0], "country": None}
    common |= {"plan": None, "excluded": False}
    traffic = [
        {
            "hash": 1,
            "bot": False,
            "day": DAYS[1],
            "start": 10 * 3600,
            "events": [{**first, **common}, {**first, **common, "path": "/a"}],
        },
        {
            "hash": 2,
            "bot": False,
            "day": DAYS[1],
            "start": 11 * 3600 + 1800,
            "events": [{**first, **common}],
        },
    ]
    rows = events_of(traffic)
    events_insert(
        [Event(website=website, **{k: v for k, v in r.items() if k != "id"}) for r in rows]
    )
    cutoff = local_midnight(DAYS[1], "UTC") + timedelta(hours=12)
    assert day_closed_sessions_store(website_id=website.pk, day=DAYS[1], cutoff=cutoff) == 1
    body = {"date_range": [DAYS[1].isoformat()] * 2, "metrics": ["visits", "visit_duration"]}

    def answers() -> tuple[dict, dict]:
        stored = Event.objects.filter(website=website).order_by("id").values_list("id", flat=True)
        for row, event_id in zip(rows, stored, strict=True):
            row["id"] = event_id
        return engine(website, body), oracle_query(rows, timezone="UTC", query=body, today=TODAY)

    live, expected = answers()
    assert live == expected
    assert live["results"][0]["metrics"] == [2, 300]  # 10:00-10:10 and 11:30 alone
    late = datetime.combine(DAYS[1], time(10, 30), tzinfo=UTC)
    late_row = {**rows[0], "timestamp": late}
    rows.append(late_row)
    events_insert([Event(website=website, **{k: v for k, v in late_row.items() if k != "id"})])
    aggregation_days_mark_stale(website_instants=[(str(website.pk), late)])
    live, expected = answers()
    assert live == expected
    assert live["results"][0]["metrics"] == [2, 900]  # 10:00-10:30 now, and 11:30


def test_stored_days_are_read_in_month_pieces():
    """`day_pieces`: one piece per month (a partition), as runs of days, every day once."""
    from stats.builder import day_pieces

    d = date
    year = day_pieces([(d(2025, 12, 2), d(2026, 11, 30))])
    assert len(year) == 12
    assert year[0] == ((d(2025, 12, 2), d(2025, 12, 31)),)
    assert year[-1] == ((d(2026, 11, 1), d(2026, 11, 30)),)
    assert day_pieces([(d(2026, 3, 1), d(2026, 3, 2)), (d(2026, 3, 5), d(2026, 4, 2))]) == [
        ((d(2026, 3, 1), d(2026, 3, 2)), (d(2026, 3, 5), d(2026, 3, 31))),
        ((d(2026, 4, 1), d(2026, 4, 2)),),
    ]
    assert day_pieces([]) == []


def test_a_statement_of_one_month_scans_in_parallel_and_its_setting_ends_with_it(website):
    """One month's piece carries its setting (parallel_tuple_cost), taken back after it even
    inside an enclosing transaction; twelve months' pieces, counted in parallel, carry none."""
    from dataclasses import replace

    from django.db import transaction
    from psycopg import sql

    from aggregation.selectors import DaySplit
    from stats.builder import ONE_PIECE_SETTINGS, Statement, query_statement
    from stats.runner import statement_fetch

    def statement(first: date, last: date):
        body = {
            "website_id": str(website.pk),
            "date_range": [first.isoformat(), last.isoformat()],
            "metrics": ["visitors"],
            "dimensions": ["visit:source"],
        }
        query = query_build(query_parse(body), timezone="UTC", today=TODAY, first_day=None)
        days = DaySplit(months=(), rollup=((first, last),), raw=(), time_zone="UTC")
        return query_statement(query=query, days=days, paginate=True)

    month = statement(date(2026, 10, 2), date(2026, 10, 31))
    year = statement(date(2025, 11, 1), date(2026, 10, 31))
    assert month.settings == ONE_PIECE_SETTINGS
    assert year.settings == ()

    probe = Statement(sql.SQL("SELECT current_setting('parallel_tuple_cost')"), {}, (), ())
    before = statement_fetch(probe)
    assert before != [(value,) for _, value in ONE_PIECE_SETTINGS]
    with_settings = replace(probe, settings=ONE_PIECE_SETTINGS)
    assert statement_fetch(with_settings) == [(value,) for _, value in ONE_PIECE_SETTINGS]
    assert statement_fetch(probe) == before
    with transaction.atomic():
        assert statement_fetch(with_settings) != before
        assert statement_fetch(month) == [(None, None, None, 0)]  # no rows: only their count
        assert statement_fetch(probe) == before
