"""Writes of the rollup layer."""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.db import connection, transaction

from aggregation.retention import RawEventsDropped, rollups_would_be_lost
from aggregation.selectors import aggregation_day_websites, aggregation_days_waiting
from aggregation.sql import (
    ROLLUPS,
    SQL_CONSTANTS,
    month_delete_sql,
    month_insert_sql,
    timestamp_ranges_condition,
    with_shared,
)
from ingest.partitions import event_partition_lock, next_month, utc_midnight
from websites.models import Website

# Sorting a busy day's events for the session windows wants more than the default 4 MB.
AGGREGATE_WORK_MEM = "256MB"
# Above the connections' TRAILMARK_STATEMENT_TIMEOUT_MS (sized for web requests): a busy day
# takes about 6.5 s per million events here (README, "Speed, measured").
AGGREGATE_STATEMENT_TIMEOUT = "30min"
# How often the admin endpoint looks whether its queued aggregations are done (one query).
_DISPATCH_POLL_SECONDS = 0.2


def aggregation_days_mark_stale(*, website_days: Iterable[tuple[str, date]]) -> None:
    """Records that events were stored for these (website id, day) pairs.

    A day not yet aggregated gets its row; an aggregated one becomes stale, so the next run
    re-aggregates it and reports read its raw events meanwhile. Called in the transaction that
    stores the events; pairs are sorted so concurrent writers lock rows in one order.
    """
    pairs = sorted(set(website_days))
    if not pairs:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO aggregation_aggregationday (website_id, day, stale)
            SELECT website_id, day, true
            FROM unnest(%s::uuid[], %s::date[]) AS pair(website_id, day)
            ON CONFLICT (website_id, day) DO UPDATE SET stale = true
                WHERE NOT aggregation_aggregationday.stale
            """,
            [[website for website, _ in pairs], [day for _, day in pairs]],
        )


def day_aggregate(*, website_id: UUID | str, day: date) -> dict[str, int]:
    """Replaces the rollup rows of one website's UTC day; returns the day rows written per table.

    One transaction: the day's `AggregationDay` row is created if missing and locked first; every
    rollup table's rows of the day are deleted, then one statement computes the sessions of the
    day once and inserts the rows of all the tables (one snapshot of the events); the month rows
    of the day's month are recomputed from its day rows; the day is marked aggregated. Running it
    twice gives the same rows. Events stored meanwhile are safe: their batch marks the day stale
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
        "raw_from_0": utc_midnight(day),
        "raw_to_0": utc_midnight(day + timedelta(days=1)),
    }
    with transaction.atomic(), connection.cursor() as cursor:
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
            SELECT day.id FROM aggregation_aggregationday day
            JOIN websites_website website
                ON website.id = day.website_id AND website.deleted_at IS NULL
            WHERE day.website_id = %(website_id)s AND day.day = %(day)s
            FOR UPDATE OF day
            """,
            args,
        )
        row = cursor.fetchone()
        if row is None:
            raise Website.DoesNotExist(f"Website {website_id} does not exist.")
        if rollups_would_be_lost(day=day, website_id=website_id):
            raise RawEventsDropped(f"The raw events of {day} are gone: its rollups are kept.")
        event_partition_lock(month=month)
        cursor.execute(f"SET LOCAL statement_timeout = '{AGGREGATE_STATEMENT_TIMEOUT}'")
        cursor.execute(f"SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")  # compiling these statements costs more than it saves
        cursor.execute(_DELETE_DAY_SQL, args)
        cursor.execute(_INSERT_DAY_SQL, args)
        written = dict(zip(ROLLUPS, cursor.fetchone(), strict=True))
        _month_refresh(cursor, args)
        cursor.execute(
            "UPDATE aggregation_aggregationday SET stale = false, aggregated_at = now() "
            "WHERE id = %s",
            [row[0]],
        )
    return written


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


def _insert_day_sql() -> str:
    inserts, counts = [], []
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
    sql = with_shared(timestamp_ranges_condition(1), *inserts, aggregate=True)
    return sql + "SELECT " + ", ".join(counts)


_DELETE_DAY_SQL = _delete_day_sql()
_INSERT_DAY_SQL = _insert_day_sql()
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
