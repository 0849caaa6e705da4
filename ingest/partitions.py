"""Monthly partitions of the events table, created ahead of the rows that need them."""

from collections.abc import Iterable
from datetime import date

from django.db import connection

from analytics_site.calendar import month_start, next_month, previous_month
from analytics_site.partitions import month_partition_name, month_partitions_ensure

EVENTS_TABLE = "ingest_event"


def partition_name(month: date) -> str:
    return month_partition_name(EVENTS_TABLE, month)


def event_partitions_ensure(*, months: Iterable[date]) -> None:
    """Creates the partitions for the given months (any day in the month), and for the months
    before and after each, if missing.

    The neighbours hold the instants of the month's first and last local days in time zones
    east and west of UTC, so a month with events never borders a month without a partition
    unless retention dropped it (`aggregation.retention.raw_events_dropped` relies on it).
    """
    month_partitions_ensure(
        parent=EVENTS_TABLE,
        months={
            neighbour
            for month in {month_start(month) for month in months}
            for neighbour in (previous_month(month), month, next_month(month))
        },
        instants=True,
    )


# The partitions of the events table (`child`), named ingest_event_yYYYYmMM.
_PARTITIONS_SQL = """
FROM pg_inherits
JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
JOIN pg_class child ON child.oid = pg_inherits.inhrelid
WHERE parent.relname = 'ingest_event'
"""

# The first day whose events are all held, in every time zone: the day after the oldest
# partition's first day (NULL without partitions). SQL, so that it can join a larger query.
EVENTS_HELD_FROM_SQL = f"""
SELECT min(to_date(right(child.relname, 7), 'YYYY"m"MM')) + 1
{_PARTITIONS_SQL}
"""


def event_partitions_existing() -> set[date]:
    """The months whose events partition exists."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT child.relname {_PARTITIONS_SQL}")
        names = [name for (name,) in cursor.fetchall()]
    # ingest_event_yYYYYmMM
    return {date(int(name[-7:-3]), int(name[-2:]), 1) for name in names}


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
