"""Purging a big website while other websites' events keep arriving through collect and a real
drainer: theirs are all stored and the buffer does not grow while the purge runs.

TRAILMARK_TEST_PURGE_EVENTS sizes the deleted website (default a million: about 13 s here, most
of it loading them).
"""

import os
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from analytics_site.redis_keys import redis_client, redis_key
from ingest.demo import page_views_bulk_insert
from ingest.models import Event
from tests.envelope import success_data
from tests.factories import website_make
from tests.ingest.helpers import event_body, post_event
from tests.processes import drainer_start, process_stop
from tests.websites.helpers import website_row_exists

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = int(os.environ.get("TRAILMARK_TEST_PURGE_EVENTS", "1000000"))


class Traffic(threading.Thread):
    """Collect requests for the other websites, as fast as one client goes, until stopped."""

    def __init__(self, websites):
        super().__init__(daemon=True)
        self.websites = websites
        self.accepted = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                website = self.websites[self.accepted % len(self.websites)]
                body = event_body(website, path=f"/t{self.accepted}")
                ip = f"10.5.{self.accepted // 250 % 250}.{self.accepted % 250}"
                assert post_event(body, ip=ip).status_code == 202
                self.accepted += 1
        finally:
            connection.close()


def buffer_depth() -> int:
    return redis_client().xlen(redis_key("events"))


def depth_samples(until, seconds: float | None = None) -> list[int]:
    samples, deadline = [], time.monotonic() + (seconds or 300)
    while not until() and time.monotonic() < deadline:
        samples.append(buffer_depth())
        time.sleep(0.05)
    return samples


def test_purging_a_big_website_never_stalls_the_drainer(tenant, settings, celery_worker):
    settings.TRAILMARK_COLLECT_RATE = "1000000/10s"
    doomed = website_make(account=tenant.account)
    others = [website_make(account=tenant.account) for _ in range(3)]
    now = timezone.now()
    page_views_bulk_insert(
        website_id=doomed.id, first=now - timedelta(hours=11), last=now, count=EVENTS
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingest_event")
    drainer = drainer_start()
    traffic = Traffic(others)
    traffic.start()
    try:
        before = depth_samples(until=lambda: False, seconds=3)
        began = time.monotonic()
        success_data(tenant.client.delete(f"/api/v1/websites/{doomed.id}"))
        answered = time.monotonic() - began
        during = depth_samples(until=lambda: not website_row_exists(doomed.id))
        purged = time.monotonic() - began
        traffic.stopping.set()
        traffic.join()
        depth_samples(until=lambda: buffer_depth() == 0, seconds=60)
    finally:
        traffic.stopping.set()
        process_stop(drainer)
    print(
        f"\n{EVENTS:,} events: DELETE answered in {answered:.3f}s, purged in {purged:.1f}s; "
        f"buffer depth before max {max(before)}, during max {max(during)} "
        f"({len(during)} samples); {traffic.accepted} events collected meanwhile"
    )

    assert not website_row_exists(doomed.id)
    assert not Event.objects.filter(website_id=doomed.id).exists()
    assert Event.objects.filter(website__in=others).count() == traffic.accepted
    # A drainer waiting on the purge would let the buffer grow for the whole purge.
    assert len(during) >= 5, "the purge was too quick to show anything"
    assert max(during) <= 2 * max(before) + 200
