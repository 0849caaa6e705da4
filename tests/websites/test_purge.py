"""The background purge of deleted websites and accounts, through a real Celery worker."""

import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Account, User
from aggregation.services import day_aggregate
from tests.aggregation.helpers import import_page_views
from tests.envelope import assert_error, success_data
from tests.factories import user_make, website_make
from tests.websites.helpers import website_row_exists, website_rows

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        time.sleep(0.2)


def test_a_deleted_website_is_purged_by_the_worker(tenant, celery_worker):
    site = website_make(account=tenant.account)
    kept = website_make(account=tenant.account)
    yesterday = timezone.now().date() - timedelta(days=1)
    for website in (site, kept):
        import_page_views(website, day=yesterday, visitors=5)
        day_aggregate(website_id=website.id, day=yesterday)
    kept_rows = website_rows(kept.id)

    success_data(tenant.client.delete(f"/api/v1/websites/{site.id}"))
    wait_for(lambda: not website_row_exists(site.id))

    assert set(website_rows(site.id).values()) == {0}
    assert website_rows(kept.id) == kept_rows


def test_a_deleted_account_loses_its_keys_at_once_and_its_rows_in_the_background(
    admin, tenant, other_tenant, celery_worker
):
    account = tenant.account
    user_make(account=account)
    sites = [website_make(account=account) for _ in range(2)]
    kept = website_make(account=other_tenant.account)
    yesterday = timezone.now().date() - timedelta(days=1)
    for website in (*sites, kept):
        import_page_views(website, day=yesterday, visitors=2)

    data = success_data(admin.client.delete(f"/api/v1/accounts/{account.id}"))

    assert data["id"] == str(account.id)
    assert not User.objects.filter(account_id=account.id).exists()
    assert_error(tenant.client.get("/api/v1/websites"), 401, "UNAUTHORIZED")
    assert str(account.id) not in str(success_data(admin.client.get("/api/v1/accounts")))
    assert_error(admin.client.delete(f"/api/v1/accounts/{account.id}"), 404, "NOT_FOUND")
    wait_for(lambda: not Account.all_objects.filter(pk=account.id).exists())
    for website in sites:
        assert not website_row_exists(website.id)
        assert set(website_rows(website.id).values()) == {0}
    assert website_rows(kept.id)["ingest_event"] == 2
    assert success_data(other_tenant.client.get("/api/v1/websites"))[0]["id"] == str(kept.id)


def test_the_beat_sweep_resumes_a_purge_that_never_ran(tenant, celery_worker):
    """Deleted while Redis (the broker) was unreachable: no purge was queued."""
    from websites.models import Website
    from websites.tasks import website_purges_resume

    site = website_make(account=tenant.account)
    import_page_views(site, day=timezone.now().date(), visitors=3)
    Website.objects.filter(pk=site.pk).update(deleted_at=timezone.now())

    assert website_purges_resume.delay() is not None
    wait_for(lambda: not website_row_exists(site.id))
    assert website_rows(site.id)["ingest_event"] == 0


def test_a_purge_whose_worker_is_killed_midway_is_finished_by_the_sweep(tenant):
    """A real crash: the worker is SIGKILLed while it deletes batches, then the sweep resumes."""
    from ingest.demo import page_views_bulk_insert
    from tests.processes import celery_worker_start, process_stop
    from websites.tasks import website_purges_resume

    site = website_make(account=tenant.account)
    now = timezone.now()
    page_views_bulk_insert(
        website_id=site.id, first=now - timedelta(hours=2), last=now, count=300_000
    )
    # Small batches, so that the purge is still running when the worker is killed.
    worker = celery_worker_start(TRAILMARK_PURGE_BATCH_ROWS="200")
    try:
        success_data(tenant.client.delete(f"/api/v1/websites/{site.id}"))
        wait_for(lambda: website_rows(site.id)["ingest_event"] < 300_000)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    left = website_rows(site.id)["ingest_event"]
    assert 0 < left < 300_000, "killed too late to prove anything"
    assert website_row_exists(site.id)

    worker = celery_worker_start()
    try:
        website_purges_resume.delay()
        wait_for(lambda: not website_row_exists(site.id))
    finally:
        process_stop(worker)
    assert set(website_rows(site.id).values()) == {0}
