"""Raw event retention: whole monthly partitions go once every day in them is aggregated."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction

from aggregation.models import AggregationDay
from ingest.partitions import month_start, next_month, partition_name

logger = logging.getLogger(__name__)


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
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {partition_name(month)}")
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
