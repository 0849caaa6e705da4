"""Writes of the rollup layer."""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db import connection, transaction

from aggregation.retention import RawEventsDropped, raw_held_from, rollups_would_be_lost
from aggregation.selectors import aggregation_day_websites, aggregation_days_waiting
from aggregation.sessions import (
    SESSIONS_TABLE,
    session_partitions_analyze_new,
    session_partitions_ensure,
    sessions_day_store_ctes,
)
from aggregation.signals import day_sessions_stored
from aggregation.sql import (
    ROLLUPS,
    SESSION_GAP,
    SQL_CONSTANTS,
    month_delete_sql,
    month_insert_sql,
    with_shared,
)
from analytics_site.calendar import local_days_instants, next_month
from ingest.partitions import event_partition_lock
from websites.models import Website

# Sorting a busy day's events for the session windows wants more than the default 4 MB.
AGGREGATE_WORK_MEM = "256MB"
# Above the connections' TRAILMARK_STATEMENT_TIMEOUT_MS (sized for web requests): a busy day
# takes about 6.5 s per million events here (README, "Speed, measured").
AGGREGATE_STATEMENT_TIMEOUT = "30min"
# Today's closed sessions are stored up to the quarter hour before this long ago: the events
# of the minutes before are in PostgreSQL by then (the drainer lags by seconds).
CLOSED_SESSIONS_DELAY = timedelta(minutes=2)
# How often the admin endpoint looks whether its queued aggregations are done (one query).
_DISPATCH_POLL_SECONDS = 0.2


def aggregation_days_mark_stale(*, website_instants: Iterable[tuple[str, datetime]]) -> None:
    """Records that events were stored for these websites at these instants.

    Each instant's day is its date in the website's time zone (read under a share lock, so a
    time zone change waits for this batch and realigns after it). A day not yet aggregated gets
    its row; an aggregated one becomes stale, so the next run re-aggregates it and reports read
    its raw events meanwhile. Called in the transaction that stores the events; rows are locked
    in (website, day) order so concurrent writers never deadlock. Offsets are multiples of 15
    minutes, so instants truncated to a quarter hour give the same days.
    """
    pairs = sorted(set(website_instants))
    if not pairs:
        return
    args = {
        "websites": [website for website, _ in pairs],
        "instants": [instant for _, instant in pairs],
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH zones AS (
                SELECT id, timezone FROM websites_website WHERE id = ANY(%(websites)s) FOR SHARE
            ),
            days AS (
                SELECT DISTINCT zones.id AS website_id,
                       (stored.instant AT TIME ZONE zones.timezone)::date AS day
                FROM unnest(%(websites)s::uuid[], %(instants)s::timestamptz[])
                    AS stored(website_id, instant)
                JOIN zones ON zones.id = stored.website_id
            )
            INSERT INTO aggregation_aggregationday (website_id, day, stale)
            SELECT website_id, day, true FROM days ORDER BY website_id, day
            ON CONFLICT (website_id, day) DO UPDATE SET stale = true
                WHERE NOT aggregation_aggregationday.stale
            """,
            args,
        )
        # A day whose closed sessions are stored up to a cutoff: events before it change them.
        cursor.execute(
            """
            UPDATE aggregation_aggregationday day SET sessions_stale = true
            FROM (
                SELECT zones.id AS website_id,
                       (stored.instant AT TIME ZONE zones.timezone)::date AS day,
                       min(stored.instant) AS first_instant
                FROM unnest(%(websites)s::uuid[], %(instants)s::timestamptz[])
                    AS stored(website_id, instant)
                JOIN websites_website zones ON zones.id = stored.website_id
                GROUP BY 1, 2
            ) AS stored
            WHERE day.website_id = stored.website_id AND day.day = stored.day
              AND day.sessions_cutoff IS NOT NULL AND NOT day.sessions_stale
              AND stored.first_instant < day.sessions_cutoff
            """,
            args,
        )


def website_days_realign(*, website_id: UUID | str) -> None:
    """Gives every day that may hold the website's raw events in its (new) time zone a row.

    Events were filed under days of the zones they were stored in; a local day of any zone
    holds instants of at most the two days before and after it in another (UTC+14 to UTC-12),
    so the neighbours of the held days cover them. Rows are created stale; days aggregated in
    the previous zone are pending through `AggregationDay.objects.pending`.
    """
    held_from = raw_held_from()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO aggregation_aggregationday (website_id, day, stale)
            SELECT DISTINCT day.website_id, day.day + shift, true
            FROM aggregation_aggregationday day
            CROSS JOIN (VALUES (-2), (-1), (1), (2)) AS neighbour(shift)
            WHERE day.website_id = %(website_id)s
              AND (%(held_from)s::date IS NULL OR day.day + shift >= %(held_from)s)
            ORDER BY 1, 2
            ON CONFLICT (website_id, day) DO NOTHING
            """,
            {"website_id": str(website_id), "held_from": held_from},
        )


def day_aggregate(*, website_id: UUID | str, day: date) -> dict[str, int]:
    """Replaces the rollup rows and stored sessions of one website's local day (in its time
    zone); returns the rows written per table.

    One transaction: the day's `AggregationDay` row is created if missing and locked first; every
    rollup table's rows of the day are deleted, then one statement computes the sessions of the
    day once and inserts the rows of all the tables (one snapshot of the events); the month rows
    of the day's month are recomputed from its day rows; the day is marked aggregated. Running it
    twice gives the same rows. The website's row is share-locked, so a time zone change waits
    for this aggregation (and then realigns the day) or is seen by it. Events stored meanwhile are
    safe: their batch marks the day stale
    in a statement that waits for our row lock, so it lands after our commit and the next run
    picks them up; a batch that locked the row first has committed before our snapshot is taken
    (READ COMMITTED: each statement takes its own, after the lock; REPEATABLE READ would take it
    before the wait and miss that batch). A day without events is aggregated too, with no rows.

    Raises `Website.DoesNotExist` for a website that does not exist or is deleted, and
    `RawEventsDropped` when the day was aggregated and its raw events are gone since (retention):
    a repair must not replace its rollups with empty ones.
    """
    month = day.replace(day=1)
    args = {
        **SQL_CONSTANTS,
        "website_id": str(website_id),
        "day": day,
        "month": month,
        "next_month": next_month(month),
        "include_bots": True,
        "group_filter": None,
    }
    session_partitions_ensure(day=day)
    with transaction.atomic(), connection.cursor() as cursor:
        day_id, args["time_zone"] = _day_lock(cursor, args)
        if rollups_would_be_lost(day=day, website_id=website_id):
            raise RawEventsDropped(f"The raw events of {day} are gone: its rollups are kept.")
        args["raw_from_0"], args["raw_to_0"] = local_days_instants(day, day, args["time_zone"])
        for instant in (args["raw_from_0"], args["raw_to_0"] - timedelta(microseconds=1)):
            event_partition_lock(month=instant.date())
        cursor.execute(f"SET LOCAL statement_timeout = '{AGGREGATE_STATEMENT_TIMEOUT}'")
        cursor.execute(f"SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")  # compiling these statements costs more than it saves
        cursor.execute(_DELETE_DAY_SQL, args)
        cursor.execute(_AGGREGATE_DAY_SQL, args)
        written = dict(zip((SESSIONS_TABLE, *ROLLUPS), cursor.fetchone(), strict=True))
        session_partitions_analyze_new(cursor, day=day)
        _month_refresh(cursor, args)
        cursor.execute(
            "UPDATE aggregation_aggregationday SET stale = false, aggregated_at = now(), "
            "timezone = %s, sessions_stored = true, sessions_cutoff = NULL,"
            " sessions_open_from = NULL, sessions_stale = false WHERE id = %s",
            [args["time_zone"], day_id],
        )
        day_sessions_stored.send(sender=day_aggregate, website_id=website_id, day=day)
    return written


def _day_lock(cursor, args: dict) -> tuple[int, str]:
    """Creates the day's `AggregationDay` row if missing and locks it, and share-locks the
    website (so a time zone change waits for us, or is seen by us); returns the row's id and
    the website's time zone. Raises `Website.DoesNotExist` for a missing or deleted website."""
    cursor.execute(
        """
        INSERT INTO aggregation_aggregationday (website_id, day, stale)
        SELECT id, %(day)s, true FROM websites_website
        WHERE id = %(website_id)s AND deleted_at IS NULL
        ON CONFLICT (website_id, day) DO NOTHING
        """,
        args,
    )
    cursor.execute(
        """
        SELECT day.id, website.timezone FROM aggregation_aggregationday day
        JOIN websites_website website
            ON website.id = day.website_id AND website.deleted_at IS NULL
        WHERE day.website_id = %(website_id)s AND day.day = %(day)s
        FOR UPDATE OF day FOR SHARE OF website
        """,
        args,
    )
    row = cursor.fetchone()
    if row is None:
        raise Website.DoesNotExist(f"Website {args['website_id']} does not exist.")
    return row


def day_closed_sessions_store(*, website_id: UUID | str, day: date, cutoff: datetime) -> int:
    """Stores the sessions of a day still collecting (today) that ended more than 30 minutes
    before `cutoff`, from its events before `cutoff`; returns how many.

    No event can join such a session any more: one at or after the cutoff is over 30 minutes
    later. Readers then take those from `aggregation_session` and sessionize live only each
    visitor's events after its last stored session (`aggregation.sessions`). An event stored
    later with a timestamp before the cutoff (a late batch) marks the day's sessions stale
    (`aggregation_days_mark_stale`): readers go back to its raw events until the next run.
    `cutoff` is on a quarter hour (the marks compare quarter hours). The day's rollup rows
    become those of the stored sessions, which reports read beside the live rows of the
    others; its month rows are left alone (read only once every day of the month is aggregated,
    which recomputes them).
    """
    args = {
        **SQL_CONSTANTS,
        "website_id": str(website_id),
        "day": day,
        "include_bots": True,
        "group_filter": None,
        "closed_before": cutoff - SESSION_GAP,
    }
    session_partitions_ensure(day=day)
    with transaction.atomic(), connection.cursor() as cursor:
        day_id, args["time_zone"] = _day_lock(cursor, args)
        start, end = local_days_instants(day, day, args["time_zone"])
        args["raw_from_0"], args["raw_to_0"] = start, min(max(cutoff, start), end)
        for instant in (start, end - timedelta(microseconds=1)):
            event_partition_lock(month=instant.date())
        cursor.execute(f"SET LOCAL statement_timeout = '{AGGREGATE_STATEMENT_TIMEOUT}'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'")
        cursor.execute(_DELETE_DAY_SQL, args)
        cursor.execute(_AGGREGATE_CLOSED_SESSIONS_SQL, args)
        stored, *_, open_from = cursor.fetchone()
        session_partitions_analyze_new(cursor, day=day)
        # `stale`: the day's rollup rows are those of its closed sessions only.
        cursor.execute(
            "UPDATE aggregation_aggregationday SET stale = true, timezone = %s,"
            " sessions_stored = false, sessions_cutoff = %s, sessions_open_from = %s,"
            " sessions_stale = false WHERE id = %s",
            [args["time_zone"], cutoff, open_from or args["raw_to_0"], day_id],
        )
        day_sessions_stored.send(sender=day_closed_sessions_store, website_id=website_id, day=day)
    return stored


def rollup_month_refresh(*, website_id: UUID | str, month: date) -> None:
    """Recomputes the month rows of `month` (any day in it) from its day rows.

    `day_aggregate` does it for the month of the day it aggregates; this is for rollup rows
    written otherwise (the benchmark's copies).
    """
    month = month.replace(day=1)
    args = {"website_id": str(website_id), "month": month, "next_month": next_month(month)}
    with transaction.atomic(), connection.cursor() as cursor:
        _month_refresh(cursor, args)


def _month_refresh(cursor, args: dict) -> None:
    # Days of one month aggregated at once would each recompute the month from what they see:
    # one at a time, each after the other's commit, so the last one sees every day.
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%(website_id)s || %(month)s::text, 0))",
        args,
    )
    cursor.execute(_DELETE_MONTH_SQL, args)
    cursor.execute(_INSERT_MONTH_SQL, args)


def _delete_day_sql() -> str:
    deletes = [
        f"delete_{n} AS (DELETE FROM {table} "
        "WHERE website_id = %(website_id)s AND day = %(day)s AND NOT is_month)"
        for n, table in enumerate(ROLLUPS)
    ]
    return "WITH " + ",\n".join(deletes) + "\nSELECT 1"


def _aggregate_day_sql(*, closed: bool = False) -> str:
    """One statement: the day's sessions computed and stored, and every rollup table's rows
    inserted from them; returns the rows written per table (sessions first). `closed`: only
    the sessions that ended before `%(closed_before)s`, and then also where the others begin
    (the first start of those, else NULL)."""
    inserts, counts = [], ["(SELECT count(*) FROM stored)"]
    for n, rollup in enumerate(ROLLUPS.values()):
        listed = ", ".join(rollup.columns)
        inserts.append(
            f"""
insert_{n} AS (
    INSERT INTO {rollup.table} (website_id, {listed})
    SELECT %(website_id)s::uuid, {listed} FROM ({rollup.definition}) AS day_rows
    RETURNING 1
)"""
        )
        counts.append(f"(SELECT count(*) FROM insert_{n})")
    rows = "SELECT * FROM day_sessions"
    if closed:
        rows += " WHERE ended_at < %(closed_before)s"
        counts.append(
            "(SELECT min(started_at) FROM day_sessions WHERE ended_at >= %(closed_before)s)"
        )
    sql = with_shared(
        rows, *inserts, aggregate=True, first=sessions_day_store_ctes(closed_before=closed)
    )
    return sql + "SELECT " + ", ".join(counts)


_DELETE_DAY_SQL = _delete_day_sql()
_AGGREGATE_DAY_SQL = _aggregate_day_sql()
_AGGREGATE_CLOSED_SESSIONS_SQL = _aggregate_day_sql(closed=True)
_DELETE_MONTH_SQL = month_delete_sql()
_INSERT_MONTH_SQL = month_insert_sql()


@dataclass(frozen=True)
class Dispatched:
    websites: int
    done: int


def day_aggregate_dispatch(*, day: date, wait_seconds: float) -> Dispatched:
    """Queues one `aggregate_day` task per website with events on `day` and waits up to
    `wait_seconds` for them (the tasks go on after that); returns how many are done.

    There is no result backend: a website is done when its day's `aggregated_at` is later than
    the dispatch, or when it was deleted meanwhile (its task ends without aggregating). Raises
    `RawEventsDropped` when a website's rollups of the day would be lost (nothing is queued).
    """
    from aggregation.tasks import aggregate_day  # the tasks module imports this one

    if rollups_would_be_lost(day=day):
        raise RawEventsDropped(
            f"The raw events of {day.isoformat()} are gone (dropped by retention): "
            "re-aggregating would replace its rollups with empty ones."
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")  # the clock `aggregated_at` is written with
        (since,) = cursor.fetchone()
    website_ids = aggregation_day_websites(day=day)
    for website_id in website_ids:
        aggregate_day.delay(website_id, day.isoformat())
    deadline = time.monotonic() + wait_seconds
    while True:
        waiting = aggregation_days_waiting(day=day, website_ids=website_ids, since=since)
        if not waiting or time.monotonic() >= deadline:
            return Dispatched(websites=len(website_ids), done=len(website_ids) - waiting)
        time.sleep(_DISPATCH_POLL_SECONDS)
