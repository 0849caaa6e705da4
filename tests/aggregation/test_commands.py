"""`manage.py aggregate` backfills."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from aggregation.models import AggregationDay
from tests.aggregation.helpers import import_page_views
from tests.factories import website_make

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("aggregate", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_a_range_for_every_website_with_events(tenant):
    today = timezone.now().date()
    site = website_make(account=tenant.account)
    for days_ago in (2, 3, 5):
        import_page_views(site, day=today - timedelta(days=days_ago), visitors=1)
    start, end = today - timedelta(days=4), today - timedelta(days=2)
    output = run("--from", start.isoformat(), "--to", end.isoformat())
    assert f"Aggregated 2 website-days from {start} to {end}." in output
    statuses = dict(AggregationDay.objects.filter(website=site).values_list("day", "aggregated_at"))
    assert statuses[today - timedelta(days=2)] and statuses[today - timedelta(days=3)]
    assert statuses[today - timedelta(days=5)] is None


def test_one_day_of_one_website_even_without_events(tenant):
    day = timezone.now().date() - timedelta(days=1)
    site = website_make(account=tenant.account)
    output = run("--date", day.isoformat(), "--website", str(site.id))
    assert "Aggregated 1 website-days" in output
    assert AggregationDay.objects.get(website=site, day=day).status == "aggregated"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--from", "2026-01-05"],
        ["--from", "2026-01-05", "--to", "2026-01-01"],
        ["--date", "2026-01-01", "--from", "2026-01-01", "--to", "2026-01-02"],
        ["--date", "2099-01-01"],
        ["--date", "2026-01-01", "--website", "00000000-0000-0000-0000-000000000000"],
    ],
)
def test_bad_arguments_are_command_errors(args, db):
    with pytest.raises(CommandError):
        run(*args)
