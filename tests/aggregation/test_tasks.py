"""The nightly job through a real Celery worker on real Redis, against the test database."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from aggregation.models import AggregationDay
from aggregation.tasks import aggregate_pending_days
from reports.params import DateRange, ReportParams
from reports.selectors import report_summary
from tests.aggregation.helpers import import_page_views
from tests.factories import website_make


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_aggregates_pending_days_in_a_worker(tenant, celery_worker):
    site = website_make(account=tenant.account)
    other = website_make(account=tenant.account)
    today = timezone.now().date()
    yesterday = today - timedelta(days=1)
    import_page_views(site, day=yesterday, visitors=3)
    import_page_views(site, day=today - timedelta(days=5), visitors=2)  # missed earlier
    import_page_views(other, day=today, visitors=1)  # today is still collecting

    assert aggregate_pending_days.delay() is not None
    deadline = time.monotonic() + 60
    day = AggregationDay.objects.get(website=site, day=yesterday)
    while day.status != "aggregated" and time.monotonic() < deadline:
        time.sleep(0.2)
        day.refresh_from_db()

    assert day.status == "aggregated"
    missed = AggregationDay.objects.get(website=site, day=today - timedelta(days=5))
    while missed.status != "aggregated" and time.monotonic() < deadline:
        time.sleep(0.2)
        missed.refresh_from_db()
    assert missed.status == "aggregated"
    assert AggregationDay.objects.get(website=other, day=today).status == "missing"
    # The rows it wrote are the ones the reports now read for that day.
    summary = report_summary(
        website=site, params=ReportParams(period=DateRange(yesterday, yesterday))
    )
    assert summary["metrics"]["visits"] == {"value": 3}
    assert summary["metrics"]["pageviews"] == {"value": 3}


@pytest.mark.django_db
def test_a_task_for_a_deleted_website_ends_quietly(tenant):
    from aggregation.tasks import aggregate_day

    site = website_make(account=tenant.account)
    site_id = str(site.id)
    site.delete()
    aggregate_day(site_id, (timezone.now().date() - timedelta(days=1)).isoformat())
    assert not AggregationDay.objects.filter(website_id=site_id).exists()


@pytest.mark.django_db(transaction=True)
def test_todays_closed_sessions_are_stored_by_a_worker(tenant, celery_worker):
    from aggregation.models import Session
    from aggregation.tasks import store_todays_closed_sessions
    from analytics_site.calendar import local_date, quarter_hour_floor
    from tests.reports.factories import event_build, events_insert

    site = website_make(account=tenant.account)
    now = timezone.now()
    today = local_date(now, site.timezone)
    long_ago = max(now - timedelta(hours=3), now.replace(hour=0, minute=0, second=1))
    events_insert([event_build(site, long_ago.strftime("%Y-%m-%d %H:%M:%S"), 1)])
    AggregationDay.objects.create(website=site, day=today)  # as the drainer's mark leaves it

    assert store_todays_closed_sessions.delay() is not None
    deadline = time.monotonic() + 60
    day = AggregationDay.objects.get(website=site, day=today)
    while day.sessions_cutoff is None and time.monotonic() < deadline:
        time.sleep(0.2)
        day.refresh_from_db()
    assert day.sessions_cutoff == quarter_hour_floor(day.sessions_cutoff)
    assert day.sessions_cutoff <= now
    assert not day.sessions_stale
    closed = long_ago < day.sessions_cutoff - timedelta(minutes=30)
    assert Session.objects.filter(website=site, day=today).count() == int(closed)
