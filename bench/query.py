"""Query engine speed: ms per query (median of runs) beside a `count(*)` of the rows it reads.

    .venv/bin/python bench/query.py [--days 365] [--per-day 100000] [--today-events 100000]
                                    [--runs 5] [--reload]

Loads a website in America/New_York into the bench database (BENCH_DATABASE_URL): one day of
realistic traffic at `--per-day` events (the visitors of `bench/reports.py`, through the import
pipeline) aggregated by `day_aggregate`, its stored sessions and rollup rows then copied to the
`--days` - 1 days before it (shifted in time, its visitors' hashes new each day as the daily
salt makes them, marked aggregated), and `--today-events` raw events
today (a whole day's traffic pressed into the hours from local midnight to now), whose sessions
closed before the last quarter hour are stored as the 5-minute beat task stores them; the rest
is read live. Past days' raw events are
not copied: nothing reads them once aggregated.
Then times, through the production code (no HTTP):

- every TinyTrail report, unfiltered, over 12 months (rollups; today's rows of its stored
  closed sessions and its events after them live); the funnel over 90 days and realtime,
  unfiltered and filtered (sessions);
- the query engine: a breakdown by one dimension with 1-3 visit-level filters over 30 days and 12
  months, an `event:page contains` filter with visit metrics over 30 days, `time:hour` over 7
  days, filter-values over 30 days, and unfiltered breakdowns by one dimension (the day rows);

each beside the time of a `count(*)` over the rows that query must read (stored sessions, rollup
rows or day rows of the range, and today's raw events read live), in the same run. Also prints
the rows each stored table holds per day, and the time `day_aggregate` spends on the day rows.
"""

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup
from bench.reports import consume, timed

DOMAIN = "query.bench.example"
TIME_ZONE = "America/New_York"


def load(website, *, days: int, per_day: int, today_events: int, today) -> None:
    """The history (one aggregated day copied back) and today's raw events."""
    import random

    from django.db import connection

    from aggregation.services import day_aggregate, rollup_month_refresh
    from aggregation.sql import ROLLUPS
    from analytics_site.calendar import local_midnight
    from bench.reports import day_events
    from ingest.importer import events_import
    from stats.services import day_dimensions_write

    rng = random.Random(20261201)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # a year of sessions to delete
        for table in (
            "ingest_event",
            "aggregation_session",
            "aggregation_sessionevents",
            "aggregation_aggregationday",
            "stats_daydimension",
            "stats_dimensionday",
            *ROLLUPS,
        ):
            cursor.execute(f"DELETE FROM {table} WHERE website_id = %s", [website.pk])
    yesterday = today - timedelta(days=1)
    now = datetime.now(UTC)
    for day, count in ((yesterday, per_day), (today, today_events)):
        start = local_midnight(day, TIME_ZONE)
        events = day_events(rng, str(website.pk), start, count, domain=DOMAIN)
        if day == today:  # a day's traffic received by now: its hours pressed into the past
            _press(events, start, now)
        lines = (json.dumps(event).encode() for event in events)
        began = time.perf_counter()
        *_, result = events_import(lines)
        print(f"imported {result.imported:,} events of {day} in {time.perf_counter() - began:.0f}s")
    began = time.perf_counter()
    written = day_aggregate(website_id=website.pk, day=yesterday)
    print(f"day_aggregate({yesterday}) in {time.perf_counter() - began:.1f}s: {written}")
    began = time.perf_counter()
    rows = day_dimensions_write(website_id=website.pk, day=yesterday)  # its share of the above
    seconds = time.perf_counter() - began
    print(f"  of which its {rows:,} day rows (stats_daydimension): {seconds:.1f}s")
    began = time.perf_counter()
    _copy_back(website, yesterday, days - 1)
    print(f"copied {days - 1} days back in {time.perf_counter() - began:.0f}s")
    month = yesterday.replace(day=1)
    first = yesterday - timedelta(days=days - 1)
    while month >= first.replace(day=1):
        rollup_month_refresh(website_id=website.pk, month=month)
        month = (month - timedelta(days=1)).replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("ANALYZE")
        cursor.execute("RESET statement_timeout")


def todays_closed_sessions_store(website, today) -> None:
    """As the 5-minute beat task leaves today: its sessions closed before the last quarter
    hour stored."""
    from aggregation.services import CLOSED_SESSIONS_DELAY, day_closed_sessions_store
    from analytics_site.calendar import quarter_hour_floor

    cutoff = quarter_hour_floor(datetime.now(UTC) - CLOSED_SESSIONS_DELAY)
    began = time.perf_counter()
    stored = day_closed_sessions_store(website_id=website.pk, day=today, cutoff=cutoff)
    print(f"stored {stored:,} closed sessions of today in {time.perf_counter() - began:.1f}s")


def _press(events: list[dict], start: datetime, end: datetime) -> None:
    """Moves the events of the day from `start` into [start, end), keeping their order."""
    scale = (end - start) / timedelta(days=1)
    for event in events:
        moment = datetime.fromisoformat(event["timestamp"])
        event["timestamp"] = (start + (moment - start) * scale).isoformat()


def _copy_back(website, source_day, days: int) -> None:
    """The source day's sessions, rollup rows and day rows, shifted to each of the `days` days
    before (hour keys by as many days as the sessions' times)."""
    from django.db import connection, transaction

    from aggregation.sessions import (
        EVENT_ARRAYS,
        SESSION_COLUMNS,
        SESSION_EVENTS_TABLE,
        SESSIONS_TABLE,
        session_partitions_ensure,
    )
    from aggregation.sql import ROLLUPS
    from stats.builder import PART_COLUMNS

    sums = ", ".join(PART_COLUMNS)
    shifted = {
        "day": "day - %(shift)s",
        # Each day's salt gives its visitors hashes of their own.
        "ip_hash": "md5(ip_hash::text || %(shift)s)::uuid",
        "started_at": "started_at - make_interval(days => %(shift)s)",
        "ended_at": "ended_at - make_interval(days => %(shift)s)",
        "event_times": (
            "ARRAY(SELECT t - make_interval(days => %(shift)s) FROM unnest(event_times) t)"
        ),
    }
    sessions = ", ".join(shifted.get(column, column) for column in SESSION_COLUMNS)
    arrays = ", ".join(shifted.get(column, column) for column in EVENT_ARRAYS)
    copy_sessions = f"""
        WITH source AS MATERIALIZED (
            SELECT nextval(pg_get_serial_sequence('{SESSIONS_TABLE}', 'id')) AS copy_id,
                   s.website_id, {", ".join(f"s.{c}" for c in SESSION_COLUMNS)},
                   {", ".join(f"x.{c}" for c in EVENT_ARRAYS)}
            FROM {SESSIONS_TABLE} s
            JOIN {SESSION_EVENTS_TABLE} x
              ON x.website_id = s.website_id AND x.day = s.day AND x.session_id = s.id
            WHERE s.website_id = %(website)s AND s.day = %(day)s
        ),
        copied AS (
            INSERT INTO {SESSIONS_TABLE} (id, website_id, {", ".join(SESSION_COLUMNS)})
            SELECT copy_id, website_id, {sessions} FROM source
        )
        INSERT INTO {SESSION_EVENTS_TABLE} (session_id, website_id, day, {", ".join(EVENT_ARRAYS)})
        SELECT copy_id, website_id, day - %(shift)s, {arrays} FROM source
    """
    hour_shifted = (
        "to_char((value::timestamptz - make_interval(days => %(shift)s)) AT TIME ZONE 'UTC',"
        """ 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
    )
    copy_day_rows = f"""
        INSERT INTO stats_daydimension (website_id, day, is_bot, dimension, value, {sums})
        SELECT website_id, day - %(shift)s, is_bot, dimension,
               CASE WHEN dimension = 'time:hour' THEN {hour_shifted} ELSE value END, {sums}
        FROM stats_daydimension WHERE website_id = %(website)s AND day = %(day)s
    """
    with connection.cursor() as cursor:  # the copies' plans read the source day's statistics
        cursor.execute(f"ANALYZE {SESSIONS_TABLE}, {SESSION_EVENTS_TABLE}")
    for shift in range(1, days + 1):
        day = source_day - timedelta(days=shift)
        session_partitions_ensure(day=day)
        args = {"website": website.pk, "day": source_day, "shift": shift}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute(copy_sessions, args)
            for table, rollup in ROLLUPS.items():
                columns = ", ".join(rollup.columns[1:])
                cursor.execute(
                    f"INSERT INTO {table} (website_id, is_month, day, {columns}) "
                    f"SELECT website_id, false, day - %(shift)s, {columns} FROM {table} "
                    "WHERE website_id = %(website)s AND day = %(day)s AND NOT is_month",
                    args,
                )
            cursor.execute(copy_day_rows, args)
            cursor.execute(
                "INSERT INTO aggregation_aggregationday "
                "(website_id, day, stale, aggregated_at, timezone, sessions_stored) "
                "VALUES (%(website)s, %(day)s - %(shift)s, false, now(), %(zone)s, true)",
                {**args, "zone": TIME_ZONE},
            )
            # The day rows are those of the day's aggregation (the same now()).
            cursor.execute(
                "INSERT INTO stats_dimensionday (website_id, day, aggregated_at)"
                " VALUES (%(website)s, %(day)s - %(shift)s, now())",
                args,
            )


def count_ms(sql: str, args: dict, runs: int) -> tuple[float, int]:
    from django.db import connection

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchone()[0]

    return timed(count, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=100_000)
    parser.add_argument("--today-events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reload", action="store_true")
    options = parser.parse_args()
    django_setup()

    from django.db import connection

    from aggregation.models import AggregationDay, Session
    from analytics_site.calendar import local_date, local_days_instants
    from bench.reports import bench_website
    from reports import params as report_params
    from reports import selectors
    from stats.filters import filters_parse
    from stats.planner import table_dimension
    from stats.query import query_build, query_parse
    from stats.runner import query_run

    now = datetime.now(UTC)
    today = local_date(now, TIME_ZONE)
    website = bench_website(DOMAIN)
    if website.timezone != TIME_ZONE:
        website.timezone = TIME_ZONE
        website.save(update_fields=["timezone"])
    if options.reload or not Session.objects.filter(website=website).exists():
        load(
            website,
            days=options.days,
            per_day=options.per_day,
            today_events=options.today_events,
            today=today,
        )
    todays_closed_sessions_store(website, today)

    print(f"\nrows per stored day ({today - timedelta(days=1)}):")
    with connection.cursor() as cursor:
        day_tables = ("aggregation_session", "stats_daydimension")
        for table in (*day_tables, *__import__("aggregation.sql").sql.ROLLUPS):
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE website_id = %s AND day = %s"
                + ("" if table in day_tables else " AND NOT is_month"),
                [website.pk, today - timedelta(days=1)],
            )
            print(f"  {table:<28}{cursor.fetchone()[0]:>10,}")
        cursor.execute(
            "SELECT dimension, count(*) FROM stats_daydimension WHERE website_id = %s AND day = %s"
            " GROUP BY 1 ORDER BY 2 DESC, 1",
            [website.pk, today - timedelta(days=1)],
        )
        print("    " + ", ".join(f"{name} {count:,}" for name, count in cursor.fetchall()))

    def days_back(n: int) -> tuple:
        return today - timedelta(days=n - 1), today

    def raw_today() -> tuple[str, dict]:
        """Today's raw events read live: those after its stored closed sessions began."""
        start, end = local_days_instants(today, today, TIME_ZONE)
        day = AggregationDay.objects.get(website=website, day=today)
        return (
            "SELECT count(*) FROM ingest_event WHERE website_id = %(w)s"
            " AND timestamp >= %(s)s AND timestamp < %(e)s",
            {"w": website.pk, "s": max(start, day.sessions_open_from or start), "e": end},
        )

    def sessions_count(first, last) -> tuple[str, dict]:
        sql, args = raw_today()
        return (
            "SELECT (SELECT count(*) FROM aggregation_session WHERE website_id = %(w)s"
            " AND day BETWEEN %(f)s AND %(l)s) + (" + sql + ")",
            {**args, "f": first, "l": last},
        )

    def day_rows_count(dimension: str, first, last) -> tuple[str, dict]:
        sql, args = raw_today()
        return (
            "SELECT (SELECT count(*) FROM stats_daydimension WHERE website_id = %(w)s"
            " AND dimension = %(d)s AND NOT is_bot AND day BETWEEN %(f)s AND %(l)s) + ("
            + sql
            + ")",
            {**args, "d": dimension, "f": first, "l": last},
        )

    def counted(query) -> tuple[str, dict]:
        """The rows the query reads: its dimension's day rows if it fits them, else sessions."""
        dimension = table_dimension(query)
        first, last = query.date_range.start, query.date_range.end
        if dimension is None:
            return sessions_count(first, last)
        return day_rows_count(dimension, first, last)

    print(f"\n{'TinyTrail report, 12m, unfiltered':<46}{'ms':>9}{'count(*) ms':>13}{'rows':>12}")
    reports = [
        ("summary", "report_summary", {}),
        ("pages", "report_pages", {}),
        ("sources channel", "report_sources", {"group_by": "channel"}),
        ("sources domain", "report_sources", {"group_by": "domain"}),
        ("sources utm", "report_sources", {"group_by": "utm"}),
        ("devices", "report_devices", {}),
        ("flow", "report_flow", {}),
        ("custom-events", "report_custom_events", {}),
        ("timeseries pageviews", "report_timeseries", {"metric": "pageviews"}),
    ]
    first_12m = report_params.period_resolve(period="12m", today=today)
    rollup_sql, rollup_args = raw_today()
    rollup_count = (
        "SELECT (SELECT count(*) FROM aggregation_daytotal WHERE website_id = %(w)s"
        " AND (is_month OR day >= date_trunc('month', %(l)s::date)::date)"
        " AND day BETWEEN %(f)s AND %(l)s) + (" + rollup_sql + ")"
    )
    count_args = {**rollup_args, "f": first_12m.start, "l": today}
    baseline_ms, baseline_rows = count_ms(rollup_count, count_args, options.runs)
    for label, selector, extra in reports:
        data = {"period": "12m", "include_bots": "false", "page": 1, "per_page": 50, **extra}
        params = report_params.report_params_build(website=website, data=data, now=now)
        ms, _ = timed(
            lambda s=selector, p=params: consume(getattr(selectors, s)(website=website, params=p)),
            options.runs,
        )
        print(f"{label:<46}{ms:>9.0f}{baseline_ms:>13.1f}{baseline_rows:>12,}")

    # The funnel reads its period's sessions (at most 92 days), every event of them; realtime
    # the window's raw events, with filters the sessions of the window's days.
    mobile = ["is", "visit:device", ["mobile"]]
    pricing = ["contains", "event:page", ["/pricing"]]
    funnel_base = count_ms(*sessions_count(days_back(90)[0], today), options.runs)
    realtime_base = count_ms(*sessions_count(today, today), options.runs)
    for label, selector, filters, (base_ms, base_rows) in [
        ("funnel, 3 steps, 90d", "report_funnel", [], funnel_base),
        ("funnel, 90d, 1 visit filter", "report_funnel", [mobile], funnel_base),
        ("funnel, 90d, event:page filter", "report_funnel", [pricing], funnel_base),
        ("realtime", "report_realtime", [], realtime_base),
        ("realtime, 1 visit filter", "report_realtime", [mobile], realtime_base),
        ("realtime, event:page filter", "report_realtime", [pricing], realtime_base),
    ]:
        data = {"period": "90d", "include_bots": "false", "page": 1, "per_page": 50}
        data.update(filters=filters_parse(filters), steps=["/", "/pricing", "/signup"])
        params = report_params.report_params_build(website=website, data=data, now=now)
        ms, _ = timed(
            lambda s=selector, p=params: consume(getattr(selectors, s)(website=website, params=p)),
            options.runs,
        )
        print(f"{label:<46}{ms:>9.0f}{base_ms:>13.1f}{base_rows:>12,}")

    print(f"\n{'query engine':<46}{'ms':>9}{'count(*) ms':>13}{'rows':>12}")
    google = ["is", "visit:source", ["google.com"]]
    chrome = ["contains", "visit:browser", ["chrome"], {"case_sensitive": False}]
    queries = [
        ("source, 1 filter, 30d", 30, ["visit:source"], [mobile], ["visitors", "visits"]),
        ("country, 3 filters, 30d", 30, ["visit:country"], [mobile, google, chrome], None),
        ("source, 1 filter, 12m", 365, ["visit:source"], [mobile], ["visitors", "visits"]),
        ("country, 3 filters, 12m", 365, ["visit:country"], [mobile, google, chrome], None),
        (
            "event:page contains, visit metrics, 30d",
            30,
            [],
            [["contains", "event:page", ["/blog"]]],
            ["visitors", "visits", "bounce_rate", "visit_duration"],
        ),
        ("time:hour, 7d", 7, ["time:hour"], [], ["visitors", "visits", "pageviews"]),
        ("source, unfiltered, 12m (day rows)", 365, ["visit:source"], [], None),
        ("event:page, unfiltered, 30d (day rows)", 30, ["event:page"], [], None),
        ("country by day, unfiltered, 30d (day rows)", 30, ["visit:country", "time:day"], [], None),
        ("summary, unfiltered, 12m (day rows)", 365, [], [], None),
    ]
    for label, days, dimensions, filters, metrics in queries:
        first, last = days_back(days)
        body = {
            "website_id": str(website.pk),
            "date_range": [first.isoformat(), last.isoformat()],
            "metrics": metrics or ["visitors", "visits", "bounce_rate"],
            "dimensions": dimensions,
            "filters": filters,
        }
        query = query_build(query_parse(body), timezone=TIME_ZONE, today=today, first_day=None)
        ms, _ = timed(lambda q=query: query_run(website=website, query=q), options.runs)
        base_ms, base_rows = count_ms(*counted(query), options.runs)
        print(f"{label:<46}{ms:>9.0f}{base_ms:>13.1f}{base_rows:>12,}")

    first, last = days_back(30)
    data = {
        "start_date": first,
        "end_date": last,
        "include_bots": "false",
        "page": 1,
        "per_page": 50,
        "dimension": "event:page",
    }
    params = report_params.report_params_build(website=website, data=data, now=now)
    ms, _ = timed(
        lambda: selectors.report_filter_values(website=website, params=params), options.runs
    )
    base_ms, base_rows = count_ms(*day_rows_count("event:page", first, last), options.runs)
    print(f"{'filter-values event:page, 30d':<46}{ms:>9.0f}{base_ms:>13.1f}{base_rows:>12,}")


if __name__ == "__main__":
    main()
