"""The Django admin's view of aggregated, stale and missing days."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from aggregation.models import AggregationDay
from aggregation.services import day_aggregate
from tests.aggregation.helpers import import_page_views
from tests.factories import website_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = get_user_model().objects.create_superuser("op", password="pw")
    client.force_login(operator)
    return client


def test_days_are_listed_by_status_and_can_be_reaggregated(operator_client, tenant):
    site = website_make(account=tenant.account, domain="status.example")
    today = timezone.now().date()
    aggregated, stale, missing = (today - timedelta(days=n) for n in (1, 2, 3))
    for day in (aggregated, stale, missing):
        import_page_views(site, day=day, visitors=1)
    day_aggregate(website_id=site.id, day=aggregated)
    day_aggregate(website_id=site.id, day=stale)
    import_page_views(site, day=stale, visitors=1)  # a late event

    url = "/admin/aggregation/aggregationday/"
    for status in ("aggregated", "stale", "missing"):
        page = operator_client.get(url, {"status": status}).content.decode()
        assert "status.example" in page
        shown = {name for name in ("aggregated", "stale", "missing") if f">{name}<" in page}
        assert shown == {status}

    rows = AggregationDay.objects.filter(website=site, day__in=[stale, missing])
    response = operator_client.post(
        url,
        {
            "action": "reaggregate",
            "_selected_action": [str(pk) for pk in rows.values_list("pk", flat=True)],
        },
        follow=True,
    )
    assert "Re-aggregated 2 website-days." in response.content.decode()
    assert {row.status for row in AggregationDay.objects.filter(website=site)} == {"aggregated"}
