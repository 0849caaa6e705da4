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
from analytics_site.calendar import month_start, next_month
from ingest.partitions import EVENTS_HELD_FROM_SQL, event_partitions_existing, partition_name

logger = logging.getLogger(__name__)

# Dropping a partition locks the whole events table (ACCESS EXCLUSIVE): while it waits for
# running reports, every insert queues behind it. It gives up after this long; the next run
# tries again.
DROP_LOCK_TIMEOUT = "1s"


class RawEventsDropped(Exception):
    """Re-aggregating the day would replace its rollups by rows computed from no raw events."""


def day_months(day: date) -> set[date]:
    """The UTC months (partitions) that hold a local `day` of any time zone: the day's own,
    and its neighbours' when it lies at a month's edge (UTC+14 to UTC-12)."""
    return {month_start(day + timedelta(days=shift)) for shift in (-1, 0, 1)}


def raw_events_dropped(*, day: date) -> bool:
    """Whether some raw events of the local `day` may be gone.

    Retention drops whole monthly partitions, and only once all their days are aggregated, so a
    day's raw events are all there exactly while the partitions its instants fall in are.
    (Age is not the rule: a month past the cutoff keeps its partition while some of its days
    wait for aggregation, and those must still be aggregated; a month never collected has no
    partition and no rollups.) A day next to a dropped month counts as dropped whatever its
    website's time zone: one day at that edge keeps its rollups rather than lose events. (A month
    with events always has its neighbours' partitions: `event_partitions_ensure`.)
    """
    held = event_partitions_existing()
    return not day_months(day) <= held


def raw_held_from() -> date | None:
    """The first day whose raw events are held in every time zone (None without any)."""
    with connection.cursor() as cursor:
        cursor.execute(EVENTS_HELD_FROM_SQL)
        return cursor.fetchone()[0]


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
    """Drops the events partitions that end before the retention cutoff, oldest first.

    A partition is dropped only when none of its days is pending aggregation, so every event it
    held is in the rollups; otherwise it is kept (and logged) until the hourly run aggregates
    those days, and so are the ones after it: the partitions held stay one run of months, which
    `raw_held_from` relies on. Returns the dropped partitions' names.
    """
    cutoff = today - timedelta(days=settings.TRAILMARK_RAW_RETENTION_DAYS)
    dropped = []
    for month in sorted(event_partitions_existing()):
        if next_month(month) > cutoff:
            break
        # Its instants belong to local days from the day before to the day after the month.
        days = (month - timedelta(days=1), next_month(month))
        if AggregationDay.objects.pending().filter(day__range=days).exists():
            logger.warning("Keeping %s: some of its days are not aggregated yet", month)
            break
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [DROP_LOCK_TIMEOUT])
                cursor.execute(f"DROP TABLE {partition_name(month)}")
        except OperationalError as error:
            if not isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
                raise
            logger.warning("Keeping %s for now: the events table is busy", month)
            break
        dropped.append(partition_name(month))
        logger.info("Dropped raw events partition %s", partition_name(month))
    return dropped
