"""Celery tasks of the rollup layer: thin, idempotent, taking ids (scheduled in celery.py)."""

import logging
import uuid
from datetime import date, datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from aggregation import retention, selectors, services
from analytics_site.calendar import quarter_hour_floor
from websites.models import Website

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
)
def aggregate_day(website_id: str, day: str) -> None:
    """(Re-)aggregates one website's day; retried when the database is unreachable or busy.

    Skipped (logged) for a deleted website, and for a day whose raw events are gone.
    """
    try:
        services.day_aggregate(website_id=uuid.UUID(website_id), day=date.fromisoformat(day))
    except Website.DoesNotExist:
        logger.info("Website %s was deleted before its day %s was aggregated", website_id, day)
    except retention.RawEventsDropped as skipped:
        logger.warning("Skipped website %s: %s", website_id, skipped)


@shared_task
def aggregate_pending_days() -> int:
    """The hourly run: every day that is over in its website's time zone and stale, missed or
    to be realigned to a new time zone, one task each. Imports queue it when they end."""
    pending = selectors.aggregation_days_pending(now=timezone.now())
    for website_id, day in pending:
        aggregate_day.delay(website_id, day.isoformat())
    logger.info("Queued aggregation of %d website-days", len(pending))
    return len(pending)


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3)
def store_closed_sessions(website_id: str, day: str, cutoff: str) -> None:
    """Stores the sessions of a day still collecting that closed before `cutoff`."""
    try:
        services.day_closed_sessions_store(
            website_id=uuid.UUID(website_id),
            day=date.fromisoformat(day),
            cutoff=datetime.fromisoformat(cutoff),
        )
    except Website.DoesNotExist:
        logger.info("Website %s was deleted before its sessions of %s were stored", website_id, day)


@shared_task
def store_todays_closed_sessions() -> int:
    """Every few minutes: each website's today gets its closed sessions stored up to the last
    quarter hour before `CLOSED_SESSIONS_DELAY` ago, so queries sessionize only the events
    since (the delay lets the buffer drain first; a batch later than that only sends the day
    back to its raw events until the next run). One task per website with events today."""
    now = timezone.now()
    cutoff = quarter_hour_floor(now - services.CLOSED_SESSIONS_DELAY)
    queued = 0
    for website_id, day, stored_cutoff in selectors.aggregation_days_collecting(now=now):
        if stored_cutoff != cutoff:
            store_closed_sessions.delay(website_id, day.isoformat(), cutoff.isoformat())
            queued += 1
    return queued


@shared_task
def website_days_realign(website_id: str) -> int:
    """After a time zone change: makes sure every local day of the website's raw events has its
    bookkeeping row, then queues the aggregation of its days (`aggregate_pending_days`)."""
    services.website_days_realign(website_id=uuid.UUID(website_id))
    return aggregate_pending_days()


@shared_task
def raw_events_purge() -> list[str]:
    """Drops raw events older than TRAILMARK_RAW_RETENTION_DAYS whose days are aggregated."""
    return retention.raw_events_purge(today=timezone.now().date())
