"""Raw event retention: whole monthly partitions go once every day in them is aggregated.

And the one rule for what that leaves: a day's raw events are gone when its month's partition
is (`raw_events_dropped`), so a repair of a day aggregated before would only empty its rollups.
"""

import logging
from datetime import date, timedelta
from uuid import UUID

import psycopg
from django.conf import settings
from django.db import OperationalError, connection, transaction

from aggregation.models import AggregationDay
from ingest.partitions import event_partition_exists, month_start, next_month, partition_name

logger = logging.getLogger(__name__)

# Dropping a partition locks the whole events table (ACCESS EXCLUSIVE): while it waits for
# running reports, every insert queues behind it. It gives up after this long; the next run
# tries again.
DROP_LOCK_TIMEOUT = "1s"


class RawEventsDropped(Exception):
    """Re-aggregating the day would replace its rollups by rows computed from no raw events."""


def raw_events_dropped(*, day: date) -> bool:
    """Whether the raw events of `day` are gone.

    Retention drops whole monthly partitions, and only once all their days are aggregated, so a
    day's raw events are all there exactly while its month's partition is. (Age is not the rule:
    a month past the cutoff keeps its partition while some of its days wait for aggregation, and
    those must still be aggregated; a month never collected has no partition and no rollups.)
    """
    return not event_partition_exists(month=day)


def rollups_would_be_lost(*, day: date, website_id: UUID | str | None = None) -> bool:
    """Whether re-aggregating `day` (of one website, or of any) would replace rollups computed
    from raw events that are gone since: such a repair is refused."""
    if not raw_events_dropped(day=day):
        return False
    days = AggregationDay.objects.filter(day=day, aggregated_at__isnull=False)
    if website_id is not None:
        days = days.filter(website_id=website_id)
    return days.exists()


def raw_events_purge(*, today: date) -> list[str]:
    """Drops the events partitions that end before the retention cutoff.

    A partition is dropped only when none of its days is pending aggregation, so every event it
    held is in the rollups; otherwise it is kept (and logged) until the nightly run aggregates
    those days. Returns the dropped partitions' names.
    """
    cutoff = today - timedelta(days=settings.TRAILMARK_RAW_RETENTION_DAYS)
    dropped = []
    for month in _partition_months():
        if next_month(month) > cutoff:
            continue
        days = (month, next_month(month) - timedelta(days=1))
        if AggregationDay.objects.pending().filter(day__range=days).exists():
            logger.warning("Keeping %s: some of its days are not aggregated yet", month)
            continue
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [DROP_LOCK_TIMEOUT])
                cursor.execute(f"DROP TABLE {partition_name(month)}")
        except OperationalError as error:
            if not isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
                raise
            logger.warning("Keeping %s for now: the events table is busy", month)
            continue
        dropped.append(partition_name(month))
        logger.info("Dropped raw events partition %s", partition_name(month))
    return dropped


def _partition_months() -> list[date]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname FROM pg_inherits
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE parent.relname = 'ingest_event'
            ORDER BY child.relname
            """
        )
        names = [name for (name,) in cursor.fetchall()]
    # ingest_event_yYYYYmMM
    return [month_start(date(int(name[-7:-3]), int(name[-2:]), 1)) for name in names]
