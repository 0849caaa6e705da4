"""Deleting a website answers at once and hides it everywhere; its rows are purged after."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from aggregation.models import AggregationDay
from aggregation.services import day_aggregate
from analytics_site.redis_keys import deleted_websites_key, redis_client
from ingest.importer import events_import
from ingest.selectors import site_config_cache_clear, site_config_get
from tests.aggregation.helpers import import_page_views
from tests.envelope import assert_error, success_data
from tests.factories import website_make
from tests.ingest.helpers import CHROME, event_body
from tests.websites.helpers import website_row_exists, website_rows
from websites import services
from websites.models import Website

pytestmark = pytest.mark.django_db


def test_delete_answers_the_object_and_hides_the_website_everywhere(
    tenant, admin, website, client, django_capture_on_commit_callbacks
):
    yesterday = timezone.now().date() - timedelta(days=1)
    import_page_views(website, day=yesterday, visitors=2)
    day_aggregate(website_id=website.id, day=yesterday)
    assert site_config_get(website_id=website.id) is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = tenant.client.delete(f"/api/v1/websites/{website.id}")

    assert success_data(response)["domain"] == "example.com"
    assert success_data(response)["id"] == str(website.id)
    url = f"/api/v1/websites/{website.id}"
    assert success_data(tenant.client.get("/api/v1/websites")) == []
    assert str(website.id) not in str(success_data(admin.client.get("/api/v1/websites")))
    assert_error(tenant.client.patch(url, {"domain": "x.example"}, format="json"), 404, "NOT_FOUND")
    assert_error(tenant.client.delete(url), 404, "NOT_FOUND")
    report = tenant.client.get(f"/api/v1/reports/summary?website_id={website.id}&period=7d")
    assert_error(report, 404, "NOT_FOUND")
    site_config_cache_clear()
    assert site_config_get(website_id=website.id) is None
    # Collect's per-process cache may still hold it: collect checks this set first.
    assert redis_client().sismember(deleted_websites_key(), str(website.id))
    # Aggregation neither sees nor recreates its days.
    assert not AggregationDay.objects.filter(website_id=website.id).exists()
    with pytest.raises(Website.DoesNotExist):
        day_aggregate(website_id=website.id, day=yesterday - timedelta(days=1))
    assert AggregationDay.objects.model._base_manager.filter(website_id=website.id).count() == 1
    # The Django admin lists it no more.
    operator = get_user_model().objects.create_superuser("op", password="pw")
    client.force_login(operator)
    assert "example.com" not in client.get("/admin/websites/website/").content.decode()
    assert client.get(f"/admin/websites/website/{website.id}/change/").status_code == 302
    # Nothing is deleted yet: that is the background purge's work.
    assert website_rows(website.id)["ingest_event"] == 2
    assert Website.all_objects.get(pk=website.id).deleted_at is not None


def test_the_domain_can_be_added_again_at_once(tenant, website):
    services.website_delete(website=website)
    again = services.website_create(account=tenant.account, domain="example.com")
    assert again.pk != website.pk


def test_admin_deletion_goes_through_the_service(admin, tenant, website, client):
    operator = get_user_model().objects.create_superuser("op", password="pw")
    client.force_login(operator)
    response = client.post(
        f"/admin/websites/website/{website.id}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not Website.objects.filter(pk=website.pk).exists()
    assert Website.all_objects.get(pk=website.pk).deleted_at is not None


def import_custom_event(website, *, day) -> None:
    line = {
        **event_body(website, event_type="custom", event_name="signup"),
        "ip": "10.8.0.1",
        "user_agent": CHROME,
        "timestamp": f"{day.isoformat()}T13:00:00Z",
    }
    *_, result = events_import([json.dumps(line).encode()])
    assert result.imported == 1


def test_purge_removes_every_row_then_the_website_and_is_idempotent(tenant, website):
    other = website_make(account=tenant.account)
    today = timezone.now().date()
    for site in (website, other):
        import_page_views(site, day=today - timedelta(days=1), visitors=3)
        import_custom_event(site, day=today - timedelta(days=1))
        import_page_views(site, day=today - timedelta(days=40), visitors=2)  # another partition
        day_aggregate(website_id=site.id, day=today - timedelta(days=1))
    before = website_rows(other.id)
    assert all(website_rows(website.id).values())

    services.website_delete(website=website)
    assert services.website_purge(website_id=website.id) == tenant.account.id

    assert set(website_rows(website.id).values()) == {0}
    assert not website_row_exists(website.id)
    assert website_rows(other.id) == before
    assert services.website_purge(website_id=website.id) is None  # again: nothing to do


def test_a_partial_purge_resumes(tenant, website):
    """A worker killed mid-purge left some tables done and others half done."""
    yesterday = timezone.now().date() - timedelta(days=1)
    import_page_views(website, day=yesterday, visitors=30)
    day_aggregate(website_id=website.id, day=yesterday)
    services.website_delete(website=website)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM ingest_event WHERE ctid IN (SELECT ctid FROM ingest_event"
            " WHERE website_id = %s LIMIT 10)",
            [website.id],
        )
        cursor.execute("DELETE FROM aggregation_daypage WHERE website_id = %s", [website.id])
    assert website_rows(website.id)["ingest_event"] == 20

    services.website_purge(website_id=website.id)

    assert set(website_rows(website.id).values()) == {0}
    assert not website_row_exists(website.id)


def test_a_live_website_is_never_purged(website):
    import_page_views(website, day=timezone.now().date(), visitors=1)
    assert services.website_purge(website_id=website.id) is None
    assert website_rows(website.id)["ingest_event"] == 1
    assert Website.objects.filter(pk=website.pk).exists()


def test_the_purge_forgets_the_id_in_the_deleted_set(website, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.website_delete(website=website)
    assert redis_client().sismember(deleted_websites_key(), str(website.id))
    services.website_purge(website_id=website.id)
    assert not redis_client().sismember(deleted_websites_key(), str(website.id))
