"""POST /api/v1/admin/aggregate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aggregation.models import AggregationDay
from tests.aggregation.helpers import import_page_views
from tests.factories import website_make

pytestmark = pytest.mark.django_db


def test_aggregates_the_given_day_for_every_website_with_events(admin, tenant, other_tenant):
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


def test_defaults_to_yesterday(admin, tenant):
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
    day = timezone.now().date() + timedelta(days=1)
    response = admin.client.post(
        "/api/v1/admin/aggregate", {"date": day.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "Future" in response.json()["error"]["message"]


def test_today_can_be_aggregated_and_goes_stale_with_new_events(admin, website):
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
