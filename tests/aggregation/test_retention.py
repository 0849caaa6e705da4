"""Raw event retention: old partitions go only when their days are aggregated."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection

from aggregation.models import AggregationDay
from aggregation.retention import raw_events_purge
from aggregation.services import day_aggregate
from analytics_site.calendar import previous_month
from ingest.importer import events_import
from ingest.models import Event
from ingest.partitions import partition_name
from tests.aggregation.helpers import import_page_views
from tests.factories import website_make
from tests.ingest.helpers import CHROME, event_body

pytestmark = pytest.mark.django_db


def partition_exists(month: date) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition_name(month)])
        return cursor.fetchone()[0] is not None


def test_only_fully_aggregated_months_past_the_cutoff_are_dropped(tenant, settings):
    settings.TRAILMARK_RAW_RETENTION_DAYS = 400
    site = website_make(account=tenant.account)
    today = date.today()
    # Within the import's retention, 35 days apart: always in different months.
    old = today - timedelta(days=360)
    older = today - timedelta(days=395)
    import_page_views(site, day=old, visitors=2)
    import_page_views(site, day=older, visitors=2)
    day_aggregate(website_id=site.id, day=older)

    settings.TRAILMARK_RAW_RETENTION_DAYS = 200  # both months are now past the cutoff
    dropped = raw_events_purge(today=today)

    # Its month goes, with the empty month before it (created as a neighbour: see
    # event_partitions_ensure); nothing from the month of the day still pending does.
    assert dropped == [partition_name(previous_month(older)), partition_name(older.replace(day=1))]
    assert not partition_exists(older.replace(day=1))
    assert partition_exists(old.replace(day=1))  # its day is not aggregated yet
    assert Event.objects.filter(website=site).count() == 2
    assert AggregationDay.objects.get(website=site, day=older).status == "aggregated"


def test_recent_partitions_are_kept(tenant, settings):
    site = website_make(account=tenant.account)
    yesterday = date.today() - timedelta(days=1)
    import_page_views(site, day=yesterday, visitors=1)
    day_aggregate(website_id=site.id, day=yesterday)
    assert raw_events_purge(today=date.today()) == []
    assert Event.objects.filter(website=site).count() == 1


def test_import_refuses_days_older_than_the_retention(website, settings):
    settings.TRAILMARK_RAW_RETENTION_DAYS = 30
    line = {
        **event_body(website),
        "ip": "10.0.0.1",
        "user_agent": CHROME,
        "timestamp": (date.today() - timedelta(days=40)).isoformat() + "T00:00:00Z",
    }
    *_, result = events_import([json.dumps(line).encode()])
    assert result.invalid == 1
    assert "retention" in result.invalid_lines[0][1]
