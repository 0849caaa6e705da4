"""The day rows (`stats.models.DayDimension`) and the planner that reads them.

Queries that fit the day rows (one dimension, or none, with time:day/week/month or none; only
time:hour; filters only on that dimension) must give the oracle's JSON whatever mix of days is
read from day rows, stored sessions, days stored in part and raw events; the rows must really be
read; `day_aggregate` writes them in its transaction; the purge and the backfill handle them.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregation.models import AggregationDay, Session, SessionEvents
from aggregation.selectors import DaySplit, day_split
from aggregation.services import aggregation_days_mark_stale, day_aggregate
from analytics_site.calendar import local_midnight
from ingest.models import Event
from stats.models import DayDimension, DimensionDay
from stats.planner import HOUR, TABLE_DIMENSIONS, TOTAL, query_plan, table_dimension
from stats.query import query_build, query_parse
from stats.services import day_dimensions_backfill
from tests.stats.oracle import oracle_query
from tests.stats.test_engine import (
    DAYS,
    EVENT_DIMENSIONS,
    FIRST_DAY,
    METRICS,
    TODAY,
    VALUES,
    VISIT_DIMENSIONS,
    ZONES,
    engine,
    traffic_store,
    visitor_strategy,
)
from websites import services as website_services

pytestmark = pytest.mark.django_db

ROW_VISIT_DIMENSIONS = [
    *VISIT_DIMENSIONS,
    "visit:entry_content_group",
    "visit:exit_content_group",
]
ROW_EVENT_DIMENSIONS = [name for name in EVENT_DIMENSIONS if not name.startswith("event:props:")]
ROW_VALUES = {
    **VALUES,
    "visit:entry_content_group": ["Blog", "docs", None],
    "visit:exit_content_group": ["Docs", None],
}
OPERATORS = ["is", "is_not", "contains", "contains_not", "matches", "matches_not"]


@st.composite
def leaf_on(draw, dimension: str):
    """A leaf on `dimension`, any operator, values that occur and values that do not."""
    op = draw(st.sampled_from(OPERATORS))
    candidates = ROW_VALUES[dimension]
    if op not in ("is", "is_not"):
        candidates = [value for value in candidates if value is not None] or ["x"]
    values = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2, unique=True))
    if op.startswith("matches"):
        values = [f"^{value}" for value in values]
    leaf = [op, dimension, values]
    if draw(st.booleans()):
        leaf.append({"case_sensitive": draw(st.booleans())})
    return leaf


def filters_on(dimension: str):
    """Top-level filters the day rows of `dimension` answer: leaves on it, and for a visit
    dimension, compounds of leaves on it."""
    leaves = leaf_on(dimension)
    if dimension.startswith("visit:"):
        nodes = st.recursive(
            leaves,
            lambda children: st.one_of(
                st.tuples(
                    st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=2)
                ).map(list),
                children.map(lambda child: ["not", child]),
            ),
            max_leaves=3,
        )
    else:
        nodes = leaves
    return st.one_of(st.just([]), st.lists(nodes, min_size=1, max_size=2))


@st.composite
def fitting_query(draw):
    """A query the day rows answer: one dimension (or none), maybe a time bucket, filters on
    that dimension only."""
    dimension = draw(
        st.one_of(st.none(), st.sampled_from(ROW_VISIT_DIMENSIONS + ROW_EVENT_DIMENSIONS))
    )
    if dimension is None:
        time_dimension = draw(
            st.sampled_from([None, "time:hour", "time:day", "time:week", "time:month"])
        )
        dimensions, filters = [], []
    else:
        time_dimension = draw(st.sampled_from([None, "time:day", "time:week", "time:month"]))
        dimensions, filters = [dimension], draw(filters_on(dimension))
    if time_dimension is not None:
        dimensions.insert(draw(st.integers(0, len(dimensions))), time_dimension)
    metrics = draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=4, unique=True))
    first = draw(st.sampled_from(DAYS[:3]))
    last = draw(st.sampled_from([day for day in DAYS if day >= first]))
    body = {
        "date_range": [first.isoformat(), last.isoformat()],
        "metrics": metrics,
        "dimensions": dimensions,
        "filters": filters,
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


def built(website, body: dict):
    parsed = query_parse({**body, "website_id": str(website.pk)})
    return query_build(parsed, timezone=website.timezone, today=TODAY, first_day=None)


def plan_of(website, body: dict):
    query = built(website, body)
    days = day_split(
        website=website,
        ranges=[(query.date_range.start, query.date_range.end)],
        sessions=True,
    )
    return query_plan(website=website, query=query, days=days)


def website_clear(website) -> None:
    for model in (Event, Session, SessionEvents, AggregationDay, DayDimension, DimensionDay):
        model.objects.filter(website=website).delete()


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    traffic=st.lists(visitor_strategy, min_size=2, max_size=10),
    drawn=st.lists(fitting_query(), min_size=1, max_size=4),
    zone=st.sampled_from(ZONES),
    aggregated=st.sets(st.sampled_from([FIRST_DAY - timedelta(days=1), *DAYS])),
    partly=st.one_of(st.none(), st.tuples(st.sampled_from(DAYS), st.integers(0, 100))),
)
def test_queries_on_day_rows_agree_with_the_oracle(
    website, traffic, drawn, zone, aggregated, partly
):
    """Day rows for the aggregated days and for a day stored in part (completed by its live
    visitors' sessions), stored sessions of none (every stored day has its rows), raw events
    for the rest: the oracle's JSON, and the rows are read for every stored day of the
    range."""
    from aggregation.services import day_closed_sessions_store

    website_clear(website)
    website.timezone = zone
    website.save(update_fields=["timezone"])
    queries = [
        {"date_range": [DAYS[0].isoformat(), DAYS[-1].isoformat()], "metrics": METRICS},
        *drawn,
    ]
    rows = traffic_store(website, traffic)
    expected = [oracle_query(rows, timezone=zone, query=body, today=TODAY) for body in queries]
    if partly is not None:
        day, quarters = partly
        cutoff = local_midnight(day, zone) + timedelta(minutes=15 * quarters)
        day_closed_sessions_store(website_id=website.pk, day=day, cutoff=cutoff)
    for day in sorted(aggregated):
        day_aggregate(website_id=website.pk, day=day)
    assert [engine(website, body) for body in queries] == expected  # mixed
    for body in queries:
        assert table_dimension(built(website, body)) is not None
        in_part = {partly[0]} - aggregated if partly is not None else set()
        in_range = {
            day
            for day in aggregated | in_part
            if body["date_range"][0] <= day.isoformat() <= body["date_range"][1]
        }
        plan = plan_of(website, body)
        assert set(plan.table.days if plan.table else ()) == in_range
        assert set(plan.table.partial if plan.table else ()) == in_range & in_part
        assert not plan.sessions.rollup  # no stored day is read from its sessions
    every_day = {FIRST_DAY + timedelta(days=n) for n in range(-1, (TODAY - FIRST_DAY).days + 1)}
    for day in sorted(every_day - aggregated):
        day_aggregate(website_id=website.pk, day=day)
    assert [engine(website, body) for body in queries] == expected  # every day from day rows


def one_day_traffic(day: date) -> list[dict]:
    """Three visitors of one day: google.com twice (one a bot), direct once."""
    base = {"event_type": 1, "name": None, "utm": None, "country": "DE", "plan": None}
    base |= {"excluded": False, "content_group": None, "device": (1, "Chrome", "Windows", 4)}
    google, direct = (2, "google.com"), (1, None)
    return [
        {
            "hash": 1,
            "bot": False,
            "day": day,
            "start": 3600,
            "events": [
                {**base, "gap": 60, "path": "/", "referrer": google},
                {**base, "gap": 60, "path": "/a", "referrer": google},
            ],
        },
        {
            "hash": 2,
            "bot": False,
            "day": day,
            "start": 7200,
            "events": [{**base, "gap": 0, "path": "/", "referrer": direct}],
        },
        {
            "hash": 3,
            "bot": True,
            "day": day,
            "start": 7200,
            "events": [{**base, "gap": 0, "path": "/a", "referrer": google}],
        },
    ]


def day_rows(website, dimension: str) -> dict:
    return {
        (row.value, row.is_bot): (
            row.visitors,
            row.visits,
            row.bounces,
            row.duration_us,
            row.pageviews,
            row.events,
        )
        for row in DayDimension.objects.filter(website=website, dimension=dimension)
    }


def test_day_aggregate_writes_the_day_rows_in_its_transaction(website):
    day = DAYS[1]
    traffic_store(website, one_day_traffic(day))
    day_aggregate(website_id=website.pk, day=day)

    assert day_rows(website, "visit:source") == {
        ("google.com", False): (1, 1, 0, 60_000_000, 2, 2),
        (None, False): (1, 1, 1, 0, 1, 1),
        ("google.com", True): (1, 1, 1, 0, 1, 1),
    }
    assert day_rows(website, TOTAL) == {
        (None, False): (2, 2, 1, 60_000_000, 3, 3),
        (None, True): (1, 1, 1, 0, 1, 1),
    }
    assert day_rows(website, "event:page") == {
        ("/", False): (2, 2, 1, 60_000_000, 2, 2),
        ("/a", False): (1, 1, 0, 60_000_000, 1, 1),
        ("/a", True): (1, 1, 1, 0, 1, 1),
    }
    assert day_rows(website, HOUR) == {
        ("2026-10-31T01:00:00Z", False): (1, 1, 0, 60_000_000, 2, 2),
        ("2026-10-31T02:00:00Z", False): (1, 1, 1, 0, 1, 1),
        ("2026-10-31T02:00:00Z", True): (1, 1, 1, 0, 1, 1),
    }
    written = {row.dimension for row in DayDimension.objects.filter(website=website)}
    assert written == set(TABLE_DIMENSIONS)  # every one has a row (null values included)
    (mark,) = DimensionDay.objects.filter(website=website)
    assert mark.day == day
    assert mark.aggregated_at == AggregationDay.objects.get(website=website, day=day).aggregated_at
    count = DayDimension.objects.filter(website=website).count()
    day_aggregate(website_id=website.pk, day=day)  # again: the same rows, not twice
    assert DayDimension.objects.filter(website=website).count() == count
    assert day_rows(website, "visit:source")[("google.com", True)] == (1, 1, 1, 0, 1, 1)
    assert DimensionDay.objects.filter(website=website).count() == 1


def test_a_failing_day_rows_write_rolls_the_aggregation_back(website, monkeypatch):
    day = DAYS[1]
    traffic_store(website, one_day_traffic(day))

    def broken(**kwargs):
        raise RuntimeError("no")

    monkeypatch.setattr("stats.receivers.day_dimensions_write", broken)
    with pytest.raises(RuntimeError):
        day_aggregate(website_id=website.pk, day=day)
    assert not AggregationDay.objects.filter(website=website, aggregated_at__isnull=False).exists()
    assert not Session.objects.filter(website=website).exists()


def test_a_day_stored_in_part_counts_a_visitor_seen_on_both_sides_of_its_cutoff_once(website):
    """Hash 1 visits from google.com at 01:00 (stored: closed before the cutoff) and again at
    04:00 (live), once from google.com and once direct; hash 2 only live, direct. The day's
    rows hold hash 1's first visit; its visitor count per source must stay 1."""
    from aggregation.services import day_closed_sessions_store

    day = DAYS[1]
    base = one_day_traffic(day)[0]["events"][0]
    google, direct = (2, "google.com"), (1, None)
    traffic = [
        {"hash": 1, "bot": False, "day": day, "start": 3600, "events": [{**base, "gap": 0}]},
        {
            "hash": 1,
            "bot": False,
            "day": day,
            "start": 4 * 3600,
            "events": [
                {**base, "gap": 3600, "referrer": google},  # the next: a new visit
                {**base, "gap": 0, "referrer": direct},
            ],
        },
        {"hash": 2, "bot": False, "day": day, "start": 4 * 3600, "events": [{**base, "gap": 0}]},
    ]
    traffic[2]["events"][0]["referrer"] = direct
    rows = traffic_store(website, traffic)
    day_closed_sessions_store(
        website_id=website.pk, day=day, cutoff=local_midnight(day, "UTC") + timedelta(hours=3)
    )
    assert DayDimension.objects.filter(website=website, dimension=TOTAL).get().visitors == 1
    for dimensions in ([], ["visit:source"], ["time:hour"]):
        body = {
            "date_range": [day.isoformat(), day.isoformat()],
            "metrics": ["visitors", "visits", "pageviews"],
            "dimensions": dimensions,
        }
        plan = plan_of(website, body)
        assert plan.table is not None and plan.table.partial == (day,)
        expected = oracle_query(rows, timezone="UTC", query=body, today=TODAY)
        assert engine(website, body) == expected
    by_source = {
        tuple(row["dimensions"]): row["metrics"]
        for row in engine(
            website,
            {
                "date_range": [day.isoformat(), day.isoformat()],
                "metrics": ["visitors", "visits"],
                "dimensions": ["visit:source"],
            },
        )["results"]
    }
    assert by_source == {("google.com",): [1, 2], (None,): [2, 2]}


def test_the_planner_reads_the_day_rows_of_the_current_aggregation_only(website):
    day = DAYS[1]
    traffic_store(website, one_day_traffic(day))
    day_aggregate(website_id=website.pk, day=day)
    body = {
        "date_range": [day.isoformat(), day.isoformat()],
        "metrics": ["visits"],
        "dimensions": ["visit:source"],
        "filters": [["is", "visit:source", ["google.com"]]],
    }
    assert engine(website, body)["results"] == [{"dimensions": ["google.com"], "metrics": [1]}]
    # The rows are what is read: changed by hand, the answer changes.
    DayDimension.objects.filter(website=website, dimension="visit:source", is_bot=False).update(
        visits=41
    )
    assert engine(website, body)["results"] == [{"dimensions": ["google.com"], "metrics": [41]}]
    with_bots = {**body, "include_bots": True}
    assert engine(website, with_bots)["results"] == [
        {"dimensions": ["google.com"], "metrics": [42]}
    ]
    # Rows of another aggregation than the day's current one are not read.
    DimensionDay.objects.filter(website=website).update(
        aggregated_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert engine(website, body)["results"] == [{"dimensions": ["google.com"], "metrics": [1]}]
    assert plan_of(website, body).table is None
    # Re-aggregated: rows rewritten, and read again.
    day_aggregate(website_id=website.pk, day=day)
    assert plan_of(website, body).table.days == (day,)
    assert engine(website, body)["results"] == [{"dimensions": ["google.com"], "metrics": [1]}]
    # A stale day is read from its raw events.
    DayDimension.objects.filter(website=website).update(visits=41)
    aggregation_days_mark_stale(website_instants=[(str(website.pk), local_midnight(day, "UTC"))])
    assert plan_of(website, body).table is None
    assert engine(website, body)["results"] == [{"dimensions": ["google.com"], "metrics": [1]}]


@pytest.mark.parametrize(
    ("dimensions", "filters", "fits"),
    [
        ([], [], TOTAL),
        (["time:day"], [], TOTAL),
        (["time:hour"], [], HOUR),
        (["visit:source", "time:week"], [["is", "visit:source", ["x"]]], "visit:source"),
        (["event:page"], [["contains", "event:page", ["/b"]]], "event:page"),
        (["visit:os"], [["not", ["or", [["is", "visit:os", ["iOS"]]]]]], "visit:os"),
        # Compounds of an event dimension decide per visit, not per value.
        (["event:page"], [["not", ["is", "event:page", ["/"]]]], None),
        (["visit:source"], [["is", "visit:device", ["mobile"]]], None),
        ([], [["is", "visit:source", ["x"]]], None),
        (["visit:source", "time:hour"], [], None),
        (["visit:source", "visit:os"], [], None),
        (["event:props:plan"], [], None),
    ],
)
def test_which_queries_fit_the_day_rows(website, dimensions, filters, fits):
    body = {
        "date_range": [DAYS[0].isoformat(), DAYS[1].isoformat()],
        "metrics": ["visits"],
        "dimensions": dimensions,
        "filters": filters,
    }
    assert table_dimension(built(website, body)) == fits


def test_hour_rows_are_read_only_for_days_aggregated_in_the_query_zone(website):
    day = DAYS[1]
    traffic_store(website, one_day_traffic(day))
    day_aggregate(website_id=website.pk, day=day)  # in UTC
    split = DaySplit(months=(), rollup=((day, day),), raw=(), time_zone="UTC")
    hours = {"date_range": [day.isoformat()] * 2, "metrics": ["visits"], "dimensions": [HOUR]}
    total = {**hours, "dimensions": []}
    website.timezone = "Asia/Kolkata"  # as if the day were older than the raw events kept
    for body, fits in ((hours, False), (total, True)):
        plan = query_plan(website=website, query=built(website, body), days=split)
        assert (plan.table is not None) == fits
        assert plan.sessions.rollup == (() if fits else ((day, day),))


def test_the_purge_deletes_a_website_s_day_rows(tenant, website):
    day = DAYS[1]
    traffic_store(website, one_day_traffic(day))
    day_aggregate(website_id=website.pk, day=day)
    assert DayDimension.objects.filter(website=website).exists()
    website_services.website_delete(website=website)
    website_services.website_purge(website_id=website.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM stats_daydimension WHERE website_id = %(w)s),"
            " (SELECT count(*) FROM stats_dimensionday WHERE website_id = %(w)s)",
            {"w": website.pk},
        )
        assert cursor.fetchone() == (0, 0)


def test_the_backfill_writes_the_rows_of_days_aggregated_before_them(website):
    body = {
        "date_range": [DAYS[0].isoformat(), DAYS[-1].isoformat()],
        "metrics": ["visitors", "pageviews"],
        "dimensions": ["event:page", "time:day"],
    }
    traffic_store(website, one_day_traffic(DAYS[0]) + one_day_traffic(DAYS[1]))
    for day in DAYS[:2]:
        day_aggregate(website_id=website.pk, day=day)
    expected = engine(website, body)
    DayDimension.objects.filter(website=website).delete()
    DimensionDay.objects.filter(website=website).delete()
    assert plan_of(website, body).table is None
    assert engine(website, body) == expected  # from the stored sessions meanwhile

    call_command("dimensions_backfill")

    assert plan_of(website, body).table.days == tuple(DAYS[:2])
    assert engine(website, body) == expected
    assert day_dimensions_backfill() == 0  # nothing left to do
