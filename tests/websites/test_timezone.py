"""A website's time zone: validated, in its JSON, and realigning its days when it changes."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from aggregation.models import AggregationDay
from aggregation.services import day_aggregate
from reports import reference, selectors
from reports.params import DateRange, ReportParams
from tests.aggregation.helpers import import_page_views
from tests.envelope import assert_error, success_data
from tests.factories import website_make
from websites.models import Website


@pytest.mark.django_db
def test_created_in_utc_by_default_or_in_the_given_zone(tenant):
    response = tenant.client.post("/api/v1/websites", {"domain": "a.example"}, format="json")
    data = success_data(response, 201)
    assert data["timezone"] == "UTC"
    payload = {"domain": "b.example", "timezone": "Asia/Kolkata"}
    data = success_data(tenant.client.post("/api/v1/websites", payload, format="json"), 201)
    assert data["timezone"] == "Asia/Kolkata"
    assert Website.objects.get(pk=data["id"]).timezone == "Asia/Kolkata"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["Mars/Olympus", "utc ", "", "localtime", "America/New_York\x00", 5, None, "x" * 65]
)
def test_an_unknown_zone_is_400(tenant, website, value):
    url = f"/api/v1/websites/{website.id}"
    response = tenant.client.patch(url, {"timezone": value}, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="timezone")
    website.refresh_from_db()
    assert website.timezone == "UTC"


def summary(website: Website, days: DateRange, module) -> dict:
    params = ReportParams(period=days, time_zone=website.timezone)
    return module.report_summary(website=website, params=params)


@pytest.mark.django_db(transaction=True)
def test_a_new_zone_reads_raw_days_at_once_and_realigns_them_in_the_background(
    tenant, celery_worker
):
    site = website_make(account=tenant.account)
    today = timezone.now().date()
    days = [today - timedelta(days=3), today - timedelta(days=2)]
    for day in days:
        import_page_views(site, day=day, visitors=2)  # at 12:00 UTC
        day_aggregate(website_id=site.pk, day=day)
    week = DateRange(today - timedelta(days=6), today)
    assert summary(site, week, selectors)["metrics"]["visits"] == {"value": 4}

    url = f"/api/v1/websites/{site.id}"
    data = success_data(tenant.client.patch(url, {"timezone": "Asia/Tokyo"}, format="json"))
    assert data["timezone"] == "Asia/Tokyo"
    site.refresh_from_db()
    # 12:00 UTC is 21:00 in Tokyo: the same local dates, now read from the raw events.
    assert summary(site, week, selectors) == summary(site, week, reference)

    deadline = time.monotonic() + 60
    realigned = AggregationDay.objects.filter(
        website=site, timezone="Asia/Tokyo", stale=False, aggregated_at__isnull=False
    )
    while not set(days) <= set(realigned.values_list("day", flat=True)):
        assert time.monotonic() < deadline, "the days were not realigned within a minute"
        time.sleep(0.2)
    assert set(realigned.values_list("day", flat=True)) >= set(days)
    assert summary(site, week, selectors) == summary(site, week, reference)
    assert summary(site, week, selectors)["metrics"]["visits"] == {"value": 4}


@pytest.mark.django_db
def test_days_older_than_the_raw_events_keep_their_rollups(tenant, settings):
    from aggregation.retention import raw_events_purge

    settings.TRAILMARK_RAW_RETENTION_DAYS = 400
    site = website_make(account=tenant.account)
    today = timezone.now().date()
    old = today - timedelta(days=395)
    import_page_views(site, day=old, visitors=3)
    day_aggregate(website_id=site.pk, day=old)
    settings.TRAILMARK_RAW_RETENTION_DAYS = 200
    assert raw_events_purge(today=today)  # the old day's month is gone

    site.timezone = "America/Los_Angeles"
    site.save(update_fields=["timezone"])
    days = DateRange(old, old)
    assert summary(site, days, selectors)["metrics"]["visits"] == {"value": 3}
    pending = AggregationDay.objects.pending().filter(website=site)
    assert not pending.filter(day=old).exists()
