"""A website's days are its local days: periods, sessions, rollups, salts and the days files."""

from datetime import UTC, date, datetime

import pytest

from aggregation.models import AggregationDay
from aggregation.services import aggregation_days_mark_stale, day_aggregate
from ingest import services as ingest_services
from ingest.models import DailySalt
from ingest.payload import payload_validate
from ingest.selectors import site_config_get
from ingest.services import daily_salt, event_row, salts_expire, visitor_hash
from reports import params as report_params
from tests.envelope import success_data
from tests.ingest.helpers import CHROME, event_body
from tests.reports.conftest import report_get
from tests.reports.factories import event_build, events_insert

pytestmark = pytest.mark.django_db

NEW_YORK = "America/New_York"  # UTC-5 in November


@pytest.fixture
def new_york_site(website):
    website.timezone = NEW_YORK
    website.save(update_fields=["timezone"])
    return website


@pytest.fixture
def across_local_midnight(new_york_site):
    """One visitor, 20 minutes apart across New York's midnight: 04:50 and 05:10 UTC."""
    return events_insert(
        [
            event_build(new_york_site, "2026-11-10 04:50:00", 1, path="/late"),
            event_build(new_york_site, "2026-11-10 05:10:00", 1, path="/early"),
        ]
    )


def visits_by_day(tenant, website) -> list[dict]:
    data = success_data(
        report_get(
            tenant,
            "timeseries",
            website,
            metric="visits",
            start_date="2026-11-08",
            end_date="2026-11-10",
        )
    )
    return data["series"]


def test_a_visit_across_the_local_midnight_is_two_visits_on_two_local_days(
    tenant, new_york_site, across_local_midnight
):
    expected = [
        {"date": "2026-11-08", "value": 0},
        {"date": "2026-11-09", "value": 1},
        {"date": "2026-11-10", "value": 1},
    ]
    assert visits_by_day(tenant, new_york_site) == expected  # read live
    for day in (date(2026, 11, 9), date(2026, 11, 10)):
        day_aggregate(website_id=new_york_site.pk, day=day)
        assert AggregationDay.objects.get(website=new_york_site, day=day).timezone == NEW_YORK
    assert visits_by_day(tenant, new_york_site) == expected  # read from the rollups


def test_the_same_events_in_utc_are_one_visit(tenant, website):
    events_insert(
        [
            event_build(website, "2026-11-10 04:50:00", 1),
            event_build(website, "2026-11-10 05:10:00", 1),
        ]
    )
    assert [day["value"] for day in visits_by_day(tenant, website)] == [0, 0, 1]


def test_today_is_the_websites_today(tenant, new_york_site, monkeypatch):
    # 03:00 UTC on 10 November is still 9 November in New York.
    monkeypatch.setattr(report_params, "utc_now", lambda: datetime(2026, 11, 10, 3, tzinfo=UTC))
    events_insert([event_build(new_york_site, "2026-11-09 23:00:00", 1)])  # 18:00 local
    data = success_data(report_get(tenant, "summary", new_york_site, period="today"))
    assert data["period"] == {"start": "2026-11-09", "end": "2026-11-09"}
    assert data["metrics"]["visits"] == {"value": 1}
    # A start date alone runs through the website's today, not UTC's.
    data = success_data(report_get(tenant, "pages", new_york_site, start_date="2026-11-01"))
    assert data["period"] == {"start": "2026-11-01", "end": "2026-11-09"}


def test_a_visitors_salt_is_that_of_the_websites_local_date(new_york_site):
    moment = datetime(2026, 11, 10, 3, tzinfo=UTC)  # 9 November in New York
    site = site_config_get(website_id=new_york_site.pk)
    payload = payload_validate(event_body(new_york_site))
    row = event_row(payload, site=site, ip="10.1.2.3", user_agent=CHROME, timestamp=moment)
    local = visitor_hash(
        salt=daily_salt(day=date(2026, 11, 9)),
        ip="10.1.2.3",
        user_agent=CHROME,
        website_id=new_york_site.pk,
    )
    assert row.ip_hash == local
    assert row.ip_hash != visitor_hash(
        salt=daily_salt(day=date(2026, 11, 10)),
        ip="10.1.2.3",
        user_agent=CHROME,
        website_id=new_york_site.pk,
    )


def test_a_salt_is_kept_until_its_date_is_over_everywhere(monkeypatch):
    monkeypatch.setattr(ingest_services, "_salts", {})  # this process's copies of other tests'
    for day in (date(2026, 11, 8), date(2026, 11, 9), date(2026, 11, 10)):
        daily_salt(day=day)
    # 9 November ends at 12:00 UTC on the 10th in UTC-12; one hour of grace follows.
    salts_expire(now=datetime(2026, 11, 10, 12, 59, tzinfo=UTC))
    assert sorted(DailySalt.objects.values_list("day", flat=True)) == [
        date(2026, 11, 9),
        date(2026, 11, 10),
    ]
    salts_expire(now=datetime(2026, 11, 10, 13, 1, tzinfo=UTC))
    assert list(DailySalt.objects.values_list("day", flat=True)) == [date(2026, 11, 10)]


def test_stored_events_mark_their_local_days(new_york_site):
    aggregation_days_mark_stale(
        website_instants=[
            (str(new_york_site.pk), datetime(2026, 11, 10, 4, 45, tzinfo=UTC)),  # 9th, 23:45
            (str(new_york_site.pk), datetime(2026, 11, 10, 5, 0, tzinfo=UTC)),  # 10th, 00:00
        ]
    )
    days = AggregationDay.objects.filter(website=new_york_site).values_list("day", flat=True)
    assert sorted(days) == [date(2026, 11, 9), date(2026, 11, 10)]
