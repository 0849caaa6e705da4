"""Celery tasks of websites: thin, idempotent, taking ids (scheduled in celery.py)."""

import logging
import uuid

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts import services as account_services
from accounts.models import Account
from websites import services
from websites.models import Website

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),  # unreachable, or a lock timeout
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
)
def website_purge(website_id: str) -> None:
    """Purges a deleted website's rows, then the website; then its account if deleted and empty."""
    account_id = services.website_purge(website_id=uuid.UUID(website_id))
    if account_id is not None:
        account_services.account_purge(account_id=account_id)


@shared_task
def website_purges_resume() -> int:
    """Queues again the purge of every website still marked deleted (a purge that died resumes)
    and removes deleted accounts left without websites."""
    website_ids = list(Website.all_objects.deleted().values_list("pk", flat=True))
    services.deleted_websites_add(website_ids=website_ids)
    for website_id in website_ids:
        website_purge.delay(str(website_id))
    for account_id in Account.all_objects.deleted().values_list("pk", flat=True):
        account_services.account_purge(account_id=account_id)
    logger.info("Queued the purge of %d deleted websites", len(website_ids))
    return len(website_ids)
