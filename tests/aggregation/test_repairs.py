"""Rollups are never destroyed by a repair: a day whose raw events retention dropped keeps them."""

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from aggregation.models import AggregationDay, DayTotal
from aggregation.retention import RawEventsDropped, raw_events_dropped, raw_events_purge
from aggregation.services import day_aggregate
from aggregation.tasks import aggregate_day
from tests.aggregation.helpers import import_page_views
from tests.factories import website_make
from tests.processes import other_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def dropped_day(tenant, settings):
    """A website and an aggregated day of it whose partition retention then dropped."""
    settings.TRAILMARK_RAW_RETENTION_DAYS = 400
    site = website_make(account=tenant.account)
    day = date.today() - timedelta(days=395)
    import_page_views(site, day=day, visitors=3)
    day_aggregate(website_id=site.id, day=day)
    settings.TRAILMARK_RAW_RETENTION_DAYS = 200
    assert raw_events_purge(today=date.today())
    assert raw_events_dropped(day=day)
    return site, day


def visits(site, day) -> int:
    return DayTotal.objects.get(
        website=site, day=day, is_month=False, is_bot=False, group_filter=""
    ).visits


def test_day_aggregate_refuses_and_keeps_the_rollups(dropped_day):
    site, day = dropped_day
    with pytest.raises(RawEventsDropped):
        day_aggregate(website_id=site.id, day=day)
    assert visits(site, day) == 3


def test_the_api_answers_400(admin, dropped_day):
    site, day = dropped_day
    response = admin.client.post(
        "/api/v1/admin/aggregate", {"date": day.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert "raw events" in response.json()["error"]["message"]
    assert visits(site, day) == 3


def test_the_command_skips_it_with_a_message(dropped_day, tenant):
    site, day = dropped_day
    other = website_make(account=tenant.account)
    out = io.StringIO()
    call_command(
        "aggregate",
        "--date",
        day.isoformat(),
        "--website",
        str(site.id),
        "--no-progress",
        stdout=out,
    )
    assert f"Skipped website {site.id}: The raw events of {day} are gone" in out.getvalue()
    assert "Aggregated 0 website-days" in out.getvalue()
    assert visits(site, day) == 3
    # A day never aggregated has nothing to lose: it is aggregated (empty) as before.
    call_command("aggregate", "--date", day.isoformat(), "--website", str(other.id), stdout=out)
    assert AggregationDay.objects.get(website=other, day=day).status == "aggregated"


def test_the_nightly_task_skips_it(dropped_day):
    site, day = dropped_day
    AggregationDay.objects.filter(website=site, day=day).update(stale=True)  # a late event
    aggregate_day(str(site.id), day.isoformat())
    assert visits(site, day) == 3
    assert AggregationDay.objects.get(website=site, day=day).status == "stale"


def test_the_admin_action_skips_it_and_days_cannot_be_deleted(dropped_day, client):
    site, day = dropped_day
    client.force_login(get_user_model().objects.create_superuser("op", password="pw"))
    row = AggregationDay.objects.get(website=site, day=day)
    url = "/admin/aggregation/aggregationday/"
    response = client.post(
        url, {"action": "reaggregate", "_selected_action": [str(row.pk)]}, follow=True
    )
    page = response.content.decode()
    assert "Skipped" in page and "Re-aggregated 0 website-days." in page
    assert visits(site, day) == 3
    assert 'value="delete_selected"' not in client.get(url).content.decode()
    assert client.get(f"{url}{row.pk}/delete/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_retention_drop_waits_for_no_one(tenant, settings):
    """A report holding the events table: the drop gives up at once and a later run does it."""
    settings.TRAILMARK_RAW_RETENTION_DAYS = 400
    site = website_make(account=tenant.account)
    day = date.today() - timedelta(days=395)
    import_page_views(site, day=day, visitors=1)
    day_aggregate(website_id=site.id, day=day)
    settings.TRAILMARK_RAW_RETENTION_DAYS = 200
    with other_session() as reader:
        reader.execute("SET lock_timeout = '10s'")  # a broken test fails rather than hangs
        reader.execute("LOCK TABLE ingest_event IN ACCESS SHARE MODE")  # in its transaction
        assert raw_events_purge(today=date.today()) == []
    assert not raw_events_dropped(day=day)
    assert raw_events_purge(today=date.today()) != []
