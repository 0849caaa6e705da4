"""Monthly partitions of the events table, created ahead of the rows that need them."""

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

# Creating a partition locks the whole events table (ACCESS EXCLUSIVE): while it waits for
# running reports, every insert queues behind it. It gives up after this long instead.
PARTITION_LOCK_TIMEOUT = "1s"


def utc_midnight(day: date) -> datetime:
    """The first instant of a UTC day: where days, and so partitions and rollups, begin."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"ingest_event_y{month.year:04d}m{month.month:02d}"


def event_partitions_ensure(*, months: Iterable[date]) -> None:
    """Creates the partitions for the given months (any day in the month) if missing.

    One catalog query when they all exist, which is the case for nearly every batch.
    """
    wanted = sorted({month_start(month) for month in months})
    if not wanted:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass(name) IS NULL",
            [[partition_name(month) for month in wanted]],
        )
        missing = {name for (name,) in cursor.fetchall()}
        if not missing:
            return
        cursor.execute("SELECT current_setting('lock_timeout')")
        (previous,) = cursor.fetchone()
        set_lock_timeout = "SELECT set_config('lock_timeout', %s, true)"
        try:
            # A savepoint when called in the drainer's transaction: a timeout undoes only this.
            with transaction.atomic():
                cursor.execute(set_lock_timeout, [PARTITION_LOCK_TIMEOUT])
                for month in wanted:
                    if partition_name(month) in missing:
                        cursor.execute(
                            f"CREATE TABLE IF NOT EXISTS {partition_name(month)} "
                            f"PARTITION OF ingest_event "
                            f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') "
                            f"TO ('{next_month(month).isoformat()} 00:00:00+00')"
                        )
                # SET LOCAL outlives a released savepoint: the caller's own statements get theirs.
                cursor.execute(set_lock_timeout, [previous])
        except OperationalError:
            logger.warning("Could not create partitions %s now: the events table is busy", missing)
            raise


def event_partition_exists(*, month: date) -> bool:
    """Whether the partition of `month` (any day in it) exists."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition_name(month_start(month))])
        return cursor.fetchone()[0]


def event_partition_lock(*, month: date) -> None:
    """Within a transaction: keeps the partition of `month`, if it exists, from being dropped
    until commit. A partition dropped since the check raises (nothing is read from it)."""
    if event_partition_exists(month=month):
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {partition_name(month_start(month))} IN ACCESS SHARE MODE")


def event_partitions_ensure_ahead(*, today: date, months_ahead: int = 3) -> None:
    """This month's partition and the next `months_ahead` ones (run daily by beat)."""
    months, month = [], month_start(today)
    for _ in range(months_ahead + 1):
        months.append(month)
        month = next_month(month)
    event_partitions_ensure(months=months)
