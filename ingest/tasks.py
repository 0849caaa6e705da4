"""Periodic housekeeping of the events store (scheduled in analytics_site/celery.py)."""

from celery import shared_task
from django.utils import timezone

from ingest import services
from ingest.partitions import event_partitions_ensure_ahead


@shared_task
def salts_expire() -> int:
    return services.salts_expire(now=timezone.now())


@shared_task
def event_partitions_create() -> None:
    event_partitions_ensure_ahead(today=timezone.now().date())
