"""Writes of the read side: the day rows (`stats.models.DayDimension`) of aggregated days."""

from datetime import date
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from psycopg import sql

from aggregation.models import AggregationDay
from aggregation.sessions import SESSION_COLUMNS, stored_sessions_sql
from stats.builder import PART_COLUMNS, dimension_sums_statement
from stats.metrics import METRICS
from stats.models import DayDimension, DimensionDay
from stats.planner import TABLE_DIMENSIONS
from stats.query import Query
from stats.time import DateRange


def day_dimensions_write(*, website_id: UUID | str, day: date) -> int:
    """Replaces the day rows of one website's day by the query engine's sums over its stored
    sessions, and records them as those of the day's current aggregation (or, for a day stored
    in part, of its current store of closed sessions); returns the rows written. A day whose
    sessions are not stored (never aggregated, or its stored part outdated by late events)
    gets no rows, and its previous rows are deleted.

    Called in the transaction that stored the day's sessions (the `day_sessions_stored`
    signal); also by `day_dimensions_backfill`. The day's `AggregationDay` row is locked first,
    so that an aggregation of the day waits for this, or this for it.
    """
    with transaction.atomic():
        aggregation = (
            AggregationDay.objects.select_for_update(of=("self",))
            .filter(website_id=website_id, day=day)
            .values_list(
                "aggregated_at", "timezone", "sessions_stored", "sessions_cutoff", "sessions_stale"
            )
            .first()
        )
        DayDimension.objects.filter(
            website_id=website_id,
            dimension__in=TABLE_DIMENSIONS,
            is_bot__in=(False, True),  # the index's columns, in its order
            day=day,
        ).delete()
        DimensionDay.objects.filter(website_id=website_id, day=day).delete()
        if aggregation is None:
            return 0
        aggregated_at, time_zone, sessions_stored, cutoff, sessions_stale = aggregation
        stored_whole = aggregated_at is not None and sessions_stored
        stored_in_part = cutoff is not None and not sessions_stale
        if not (stored_whole or stored_in_part):
            return 0
        query = Query(
            website_id=UUID(str(website_id)),
            timezone=time_zone,  # the zone the sessions were stored in: the hours' keys
            period=None,
            date_range=DateRange(day, day),
            compare=None,
            comparison=None,
            metrics=tuple(METRICS.values()),
            dimensions=(),
            filters=(),
            order_by=(),
        )
        with connection.cursor() as cursor:
            written = _day_rows_insert(cursor, query=query, day=day)
        DimensionDay.objects.create(
            website_id=website_id,
            day=day,
            aggregated_at=aggregated_at if stored_whole else None,
            sessions_cutoff=None if stored_whole else cutoff,
        )
    return written


# The day's stored sessions, copied for the statement that computes its rows: with their
# events' arrays, and without them.
SESSIONS_COPY = "stats_day_sessions_events"
SESSIONS_NARROW = "stats_day_sessions"


def _day_rows_insert(cursor, *, query: Query, day: date) -> int:
    """Inserts the day rows of the day's stored sessions; returns how many.

    The day's sessions were most often stored by this very transaction, which the statistics
    of their partitions do not know: PostgreSQL would plan for one session, and join every
    session to every session's events in a nested loop, or in a merge join on the day alone
    (minutes for a busy day). So they are copied, with their events, by a hash join (nested
    loops and merge joins off for that one statement), into a temporary table, and their
    session columns alone into a second one (the dimensions that never look at events scan
    that: a third of the bytes); both are analyzed (the arrays need no statistics), and the
    statement reads them.
    """
    copy = sql.Identifier(SESSIONS_COPY)
    narrow = sql.Identifier(SESSIONS_NARROW)
    session_columns = sql.SQL(", ").join(sql.Identifier(column) for column in SESSION_COLUMNS)
    joins = ("enable_nestloop", "enable_mergejoin")
    cursor.execute("SELECT current_setting(%s), current_setting(%s)", joins)
    settings_before = cursor.fetchone()
    for setting in joins:
        cursor.execute(sql.SQL("SET LOCAL {} = off").format(sql.Identifier(setting)))
    cursor.execute(
        sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS {}")
        .format(copy, sql.SQL(stored_sessions_sql(runs=1, events=True)))
        .as_string(cursor.connection),
        {
            "website_id": query.website_id,
            "stored_from_0": day,
            "stored_to_0": day,
            "include_bots": True,
        },
    )
    for setting, value in zip(joins, settings_before, strict=True):
        cursor.execute("SELECT set_config(%s, %s, true)", [setting, value])
    cursor.execute(
        sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {}")
        .format(narrow, session_columns, copy)
        .as_string(cursor.connection)
    )
    for table in (copy, narrow):
        cursor.execute(
            sql.SQL("ANALYZE {} ({})").format(table, session_columns).as_string(cursor.connection)
        )
    statement = dimension_sums_statement(
        query=query, sessions=narrow, with_events=copy, dimensions=TABLE_DIMENSIONS
    )
    columns = sql.SQL(", ").join(
        sql.Identifier(column) for column in ("dimension", "value", "day", "is_bot", *PART_COLUMNS)
    )
    insert = sql.SQL(
        "INSERT INTO {table} (website_id, {columns})"
        " SELECT {website}, {columns} FROM ({rows}) AS rows"
    ).format(
        table=sql.Identifier(DayDimension._meta.db_table),
        columns=columns,
        website=sql.Placeholder("day_rows_website"),
        rows=statement.sql,
    )
    cursor.execute(
        insert.as_string(cursor.connection),
        {**statement.params, "day_rows_website": query.website_id},
    )
    written = cursor.rowcount
    cursor.execute(sql.SQL("DROP TABLE {}, {}").format(copy, narrow).as_string(cursor.connection))
    return written


def day_dimensions_backfill(*, website_id: UUID | str | None = None) -> int:
    """Writes the day rows of every aggregated day with stored sessions whose rows are missing
    or not its current aggregation's (days aggregated before day rows existed), one day per
    transaction; `website_id`: that website's days only. Returns how many days were written."""
    current = DimensionDay.objects.filter(
        website_id=OuterRef("website_id"),
        day=OuterRef("day"),
        aggregated_at=OuterRef("aggregated_at"),
    )
    days = AggregationDay.objects.filter(aggregated_at__isnull=False, sessions_stored=True).filter(
        ~Exists(current)
    )
    if website_id is not None:
        days = days.filter(website_id=website_id)
    pending = list(days.order_by("website_id", "day").values_list("website_id", "day"))
    for pending_website, day in pending:
        day_dimensions_write(website_id=pending_website, day=day)
    return len(pending)
