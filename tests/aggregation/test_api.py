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


@pytest.mark.parametrize("days_ahead", [0, 1])
def test_today_and_future_dates_are_400(admin, days_ahead):
    day = timezone.now().date() + timedelta(days=days_ahead)
    response = admin.client.post(
        "/api/v1/admin/aggregate", {"date": day.isoformat()}, format="json"
    )
    assert response.status_code == 400


def test_admin_only(tenant, anonymous):
    assert tenant.client.post("/api/v1/admin/aggregate", {}, format="json").status_code == 403
    assert anonymous.post("/api/v1/admin/aggregate", {}, format="json").status_code == 401


def test_get_is_405(admin):
    assert admin.client.get("/api/v1/admin/aggregate").status_code == 405
