"""Celery tasks of the rollup layer: thin, idempotent, taking ids (scheduled in celery.py)."""

import logging
import uuid
from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from aggregation import retention, selectors, services
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
