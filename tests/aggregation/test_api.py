"""POST /api/v1/admin/aggregate: one task per website in a real worker, waited for briefly."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from aggregation.models import AggregationDay
from analytics_site.calendar import LATEST_TIME_ZONE, local_date
from analytics_site.redis_keys import redis_client
from tests.aggregation.helpers import import_page_views
from tests.factories import website_make
from tests.processes import celery_worker_start, process_stop
from websites.services import website_delete

pytestmark = pytest.mark.django_db


def queued_tasks() -> int:
    """Messages waiting in the Celery queue (the broker's list in the test Redis)."""
    client = redis_client()
    return sum(
        client.llen(key) for key in client.scan_iter("*celery*") if client.type(key) == b"list"
    )


@pytest.mark.django_db(transaction=True)
def test_aggregates_the_given_day_for_every_website_with_events(
    admin, tenant, other_tenant, celery_worker
):
    day = timezone.now().date() - timedelta(days=3)
    first = website_make(account=tenant.account)
    second = website_make(account=other_tenant.account)
    import_page_views(first, day=day, visitors=2)
    import_page_views(second, day=day, visitors=1)

    response = admin.client.post(
        "/api/v1/admin/aggregate", {"date": day.isoformat()}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {"message": f"Aggregation completed for {day.isoformat()}"},
    }
    statuses = {row.website_id: row.status for row in AggregationDay.objects.filter(day=day)}
    assert statuses == {first.id: "aggregated", second.id: "aggregated"}


@pytest.mark.django_db(transaction=True)
def test_defaults_to_yesterday(admin, tenant, celery_worker):
    yesterday = timezone.now().date() - timedelta(days=1)
    site = website_make(account=tenant.account)
    import_page_views(site, day=yesterday, visitors=1)
    response = admin.client.post("/api/v1/admin/aggregate", {}, format="json")
    assert response.json()["data"]["message"] == f"Aggregation completed for {yesterday}"
    assert AggregationDay.objects.get(website=site, day=yesterday).status == "aggregated"


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "01/02/2026", 20260101, ""])
def test_a_bad_date_is_400(admin, value):
    response = admin.client.post("/api/v1/admin/aggregate", {"date": value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert response.json()["error"]["message"].startswith("date:")


def test_a_future_date_is_400(admin):
    # Future everywhere: today in the zone furthest ahead is a day some website may be in.
    day = local_date(timezone.now(), LATEST_TIME_ZONE) + timedelta(days=1)
    response = admin.client.post(
        "/api/v1/admin/aggregate", {"date": day.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "Future" in response.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_today_can_be_aggregated_and_goes_stale_with_new_events(admin, website, celery_worker):
    today = timezone.now().date()
    import_page_views(website, day=today, visitors=1)
    response = admin.client.post(
        "/api/v1/admin/aggregate", {"date": today.isoformat()}, format="json"
    )
    assert response.status_code == 200
    assert AggregationDay.objects.get(website=website, day=today).status == "aggregated"
    import_page_views(website, day=today, visitors=1)
    assert AggregationDay.objects.get(website=website, day=today).status == "stale"


def test_admin_only(tenant, anonymous):
    assert tenant.client.post("/api/v1/admin/aggregate", {}, format="json").status_code == 403
    assert anonymous.post("/api/v1/admin/aggregate", {}, format="json").status_code == 401


def test_get_is_405(admin):
    assert admin.client.get("/api/v1/admin/aggregate").status_code == 405


def test_answers_202_when_the_tasks_outlast_the_wait(admin, website, settings):
    """No worker is running: the request gives up waiting, the task stays queued."""
    settings.TRAILMARK_AGGREGATE_WAIT_SECONDS = 0.5
    day = timezone.now().date() - timedelta(days=2)
    import_page_views(website, day=day, visitors=1)

    response = admin.client.post(
        "/api/v1/admin/aggregate", {"date": day.isoformat()}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["data"]["message"] == (
        f"Aggregation of {day}: 0 of 1 websites done; the rest continue in the background."
    )
    assert queued_tasks() == 1


@pytest.mark.django_db(transaction=True)
def test_a_website_deleted_meanwhile_is_not_waited_for(admin, tenant, settings):
    day = timezone.now().date() - timedelta(days=2)
    kept, deleted = (website_make(account=tenant.account) for _ in range(2))
    for site in (kept, deleted):
        import_page_views(site, day=day, visitors=1)
    answer = {}

    def request() -> None:
        try:
            answer["response"] = admin.client.post(
                "/api/v1/admin/aggregate", {"date": day.isoformat()}, format="json"
            )
        finally:
            connection.close()

    thread = threading.Thread(target=request)
    thread.start()
    deadline = time.monotonic() + 30
    while queued_tasks() < 2:  # both tasks queued; no worker runs yet
        assert time.monotonic() < deadline
        time.sleep(0.05)
    website_delete(website=deleted)
    worker = celery_worker_start()
    try:
        thread.join(timeout=60)
    finally:
        process_stop(worker)

    assert answer["response"].status_code == 200
    assert answer["response"].json()["data"]["message"] == f"Aggregation completed for {day}"
    assert AggregationDay.objects.get(website=kept, day=day).status == "aggregated"
    assert not AggregationDay.objects.filter(website=deleted).exists()
