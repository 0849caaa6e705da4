"""The /sites/ list, adding a site and its settings page: signed in, tenancy-scoped, figures from
the query engine, every write through `websites.services`."""

import json
import re
from datetime import UTC, datetime
from html import escape, unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse

from dashboard import site_urls
from dashboard.site_selectors import website_query_run
from reports import params as report_params
from sharing import urls as sharing_urls
from sharing.models import SharedLink
from sharing.services import shared_link_create
from tests.factories import signed_in_client, website_make
from tests.reports.factories import event_build, events_insert
from websites.models import Website
from websites.selectors import website_tracker_snippet

# Two queries of the engine (30 days by day, today), each its day split and its statement, and
# for a site without visitors in 30 days the two look-ups of whether it ever had events.
QUERIES_PER_SITE = 6
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 07:00 in New York


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(report_params, "utc_now", lambda: NOW)


@pytest.fixture
def busy_site(tenant) -> Website:
    """A New York site: 3 visitors today (local), one of them at 03:00 UTC, which is still
    yesterday there, and visitors on two earlier days."""
    website = website_make(
        account=tenant.account, domain="busy.example", timezone="America/New_York"
    )
    events_insert(
        [
            event_build(website, "2026-03-10 11:00:00", 1),
            event_build(website, "2026-03-10 11:30:00", 2, path="/pricing"),
            event_build(website, "2026-03-10 11:45:00", 3),
            event_build(website, "2026-03-10 03:00:00", 4),
            event_build(website, "2026-03-01 15:00:00", 5),
            event_build(website, "2026-02-08 15:00:00", 6),
        ]
    )
    return website


def _today_cell(html: str, website: Website) -> int:
    row = re.search(rf'<tr data-website-id="{website.pk}">(.*?)</tr>', html, re.S).group(1)
    return int(re.search(r'data-metric="visitors" data-value="(\d+)"', row).group(1))


def test_sites_lists_the_users_sites_with_todays_visitors_from_the_engine(
    tenant, other_tenant, busy_site
):
    quiet = website_make(account=tenant.account, domain="quiet.example")
    theirs = website_make(account=other_tenant.account, domain="theirs.example")
    response = signed_in_client(tenant.user).get("/sites/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "busy.example" in html and "quiet.example" in html
    assert "theirs.example" not in html and str(theirs.pk) not in html
    engine = website_query_run(
        website=busy_site, body={"date_range": "today", "metrics": ["visitors"]}
    )
    assert _today_cell(html, busy_site) == engine["results"][0]["metrics"][0] == 3
    assert _today_cell(html, quiet) == 0
    assert html.count("<polyline") == 1  # the quiet site waits for its first event instead
    assert "Waiting for the first event" in html


def test_the_sparkline_is_the_engines_visitors_per_day(tenant, busy_site):
    from dashboard.site_selectors import site_summary

    summary = site_summary(website=busy_site)
    assert len(summary.days) == 30
    assert summary.days[-1] == ("2026-03-10", 3)
    assert summary.days[-2] == ("2026-03-09", 1)  # 03:00 UTC is 22:00 the day before there
    assert dict(summary.days)["2026-03-01"] == 1
    assert summary.days[0][0] == "2026-02-09"  # the 8th is out of the period
    assert sum(visitors for _, visitors in summary.days) == 5


def test_an_admin_sees_every_accounts_sites(admin, tenant, other_tenant):
    website_make(account=tenant.account, domain="a.example")
    website_make(account=other_tenant.account, domain="b.example")
    html = signed_in_client(admin.user).get("/sites/").content.decode()
    assert "a.example" in html and "b.example" in html


def test_the_list_reads_a_fixed_number_of_queries_per_site(tenant, django_assert_max_num_queries):
    """The engine's statements for each site, and nothing else that grows with the sites."""
    client = signed_in_client(tenant.user)
    website_make(account=tenant.account)
    with CaptureQueriesContext(connection) as one_site:
        assert client.get("/sites/").status_code == 200
    for _ in range(5):
        website_make(account=tenant.account)
    with django_assert_max_num_queries(len(one_site) + 5 * QUERIES_PER_SITE):
        assert client.get("/sites/").status_code == 200


def test_pages_send_signed_out_visitors_to_sign_in(website):
    for path in ["/sites/", "/sites/new/", f"/sites/{website.pk}/settings/"]:
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login?next=")


def test_adding_a_site_creates_it_in_the_users_account_and_shows_its_snippet(tenant):
    client = signed_in_client(tenant.user)
    assert 'value="UTC" selected' in client.get("/sites/new/").content.decode()
    response = client.post("/sites/new/", {"domain": "Shop.Example.", "timezone": "Asia/Tokyo"})
    website = Website.objects.get(domain="shop.example")
    assert (website.account_id, website.timezone) == (tenant.account.pk, "Asia/Tokyo")
    assert response.status_code == 302
    assert response["Location"] == f"/sites/{website.pk}/settings/"
    html = client.get(response["Location"]).content.decode()
    assert escape(website_tracker_snippet(website=website)) in html
    assert 'data-copy="#snippet-' in html
    assert "shop.example is added" in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"domain": "not a domain", "timezone": "UTC"}, "domain"),
        ({"domain": "", "timezone": "UTC"}, "domain"),
        ({"domain": "x" * 300, "timezone": "UTC"}, "domain"),
        ({"domain": "ok.example", "timezone": "Mars/Olympus"}, "timezone"),
        ({"domain": "ok.example", "timezone": "localtime"}, "timezone"),
        ({"domain": "ok\x00.example", "timezone": "UTC"}, "domain"),
        ({"domain": "ok.example"}, "timezone"),
    ],
)
def test_adding_a_site_refuses_bad_input_on_the_form(tenant, data, field):
    response = signed_in_client(tenant.user).post("/sites/new/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Website.objects.filter(account=tenant.account).exists()


def test_adding_a_domain_already_in_the_account_is_a_form_error(tenant, website):
    response = signed_in_client(tenant.user).post(
        "/sites/new/", {"domain": "EXAMPLE.com", "timezone": "UTC"}
    )
    assert response.status_code == 200
    assert "already registered" in str(response.context["form"].errors["domain"])


def _settings(website: Website, **changes) -> dict:
    data = {
        "domain": website.domain,
        "timezone": website.timezone,
        "content_groups": json.dumps(website.content_groups),
        "excluded_ips": "\n".join(website.excluded_ips),
    }
    return {**data, **changes}


def test_settings_edits_persist_through_the_service(tenant, website, monkeypatch):
    from websites import services

    calls = []
    update = services.website_update
    monkeypatch.setattr(
        services, "website_update", lambda **kwargs: calls.append(kwargs) or update(**kwargs)
    )
    client = signed_in_client(tenant.user)
    url = f"/sites/{website.pk}/settings/"
    response = client.post(
        url,
        _settings(
            website,
            domain="New.Example",
            timezone="Europe/Berlin",
            content_groups='[{"name": "Blog", "pattern": "/blog/*"}]',
            excluded_ips="10.0.0.0/8\n\n 2001:db8::1 \n",
        ),
    )
    assert response.status_code == 302
    website.refresh_from_db()
    assert website.domain == "new.example"
    assert website.timezone == "Europe/Berlin"
    assert website.content_groups == [{"name": "Blog", "pattern": "/blog/*"}]
    assert website.excluded_ips == ["10.0.0.0/8", "2001:db8::1"]
    assert set(calls[0]) == {"website", "domain", "timezone", "content_groups", "excluded_ips"}
    html = client.get(url).content.decode()
    assert "Settings saved." in html
    assert "2001:db8::1" in html and "/blog/*" in html

    client.post(url, _settings(website, content_groups=""))  # only the emptied groups change
    assert set(calls[1]) == {"website", "content_groups"}
    website.refresh_from_db()
    assert website.content_groups == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"domain": "bad domain"}, "domain"),
        ({"timezone": "Nowhere/Town"}, "timezone"),
        ({"content_groups": "{not json"}, "content_groups"),
        ({"content_groups": '{"name": "Blog"}'}, "content_groups"),
        ({"content_groups": '[{"name": "Blog", "pattern": "blog"}]'}, "content_groups"),
        ({"content_groups": '[{"name": " Blog", "pattern": "/b"}]'}, "content_groups"),
        ({"content_groups": '[{"name": "B\\u0000", "pattern": "/b"}]'}, "content_groups"),
        ({"content_groups": "[" * 5000}, "content_groups"),
        ({"content_groups": "[" * 100 + "]" * 100}, "content_groups"),
        ({"excluded_ips": "10.0.0.0/8\nnot-an-ip"}, "excluded_ips"),
        ({"excluded_ips": "\n".join(["10.0.0.1"] * 1001)}, "excluded_ips"),
    ],
)
def test_settings_refuse_bad_input_and_keep_the_site(tenant, website, changes, field):
    response = signed_in_client(tenant.user).post(
        f"/sites/{website.pk}/settings/", _settings(website, **changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    fresh = Website.objects.get(pk=website.pk)
    assert (fresh.domain, fresh.timezone, fresh.content_groups, fresh.excluded_ips) == (
        "example.com",
        "UTC",
        [],
        [],
    )


def test_settings_refuse_a_domain_already_in_the_account(tenant, website):
    website_make(account=tenant.account, domain="taken.example")
    response = signed_in_client(tenant.user).post(
        f"/sites/{website.pk}/settings/", _settings(website, domain="taken.example")
    )
    assert response.status_code == 200
    assert "already registered" in str(response.context["form"].errors["domain"])


def test_another_accounts_site_is_not_found_on_every_page(other_tenant, website):
    client = signed_in_client(other_tenant.user)
    url = f"/sites/{website.pk}/settings/"
    page = client.get(url)
    assert page.status_code == 404
    assert "No such website." in page.content.decode()  # the pages' 404, as for the dashboard
    assert client.post(url, _settings(website, domain="stolen.example")).status_code == 404
    assert Website.objects.get(pk=website.pk).domain == "example.com"
    assert client.get("/sites/00000000-0000-0000-0000-000000000000/settings/").status_code == 404


def test_an_admin_edits_any_accounts_site(admin, website):
    response = signed_in_client(admin.user).post(
        f"/sites/{website.pk}/settings/", _settings(website, timezone="Asia/Tokyo")
    )
    assert response.status_code == 302
    assert Website.objects.get(pk=website.pk).timezone == "Asia/Tokyo"


def test_every_form_needs_its_csrf_token(tenant, website):
    client = signed_in_client(tenant.user, enforce_csrf_checks=True)
    assert client.post("/sites/new/", {"domain": "a.example", "timezone": "UTC"}).status_code == 403
    settings_url = f"/sites/{website.pk}/settings/"
    assert client.post(settings_url, _settings(website, domain="b.example")).status_code == 403
    assert not Website.objects.filter(domain__in=["a.example", "b.example"]).exists()
    # With the token the page gives, the same post goes through.
    html = client.get(settings_url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = {**_settings(website, domain="b.example"), "csrfmiddlewaretoken": token}
    assert client.post(settings_url, data).status_code == 302


def _site_routes() -> list[URLPattern]:
    """Every route of the sites and shared-link management pages under one website."""
    patterns = [*site_urls.urlpatterns, *sharing_urls.urlpatterns]
    return [
        pattern
        for pattern in patterns
        if isinstance(pattern, URLPattern) and "website_id" in pattern.pattern.converters
    ]


@pytest.mark.parametrize("route", _site_routes(), ids=lambda route: route.name)
def test_every_site_route_is_not_found_for_another_account(other_tenant, website, route):
    """Walks the URLconf: a route added later is covered without touching this test. Every
    route takes POST (a form or an action); GET is a 404 too where the route shows a page."""
    link = shared_link_create(website=website)
    values = {"website_id": website.pk, "share_id": link.pk}
    url = reverse(route.name, kwargs={key: values[key] for key in route.pattern.converters})
    client = signed_in_client(other_tenant.user)
    assert client.post(url, {"domain": "x.example", "label": "x"}).status_code == 404
    assert client.get(url).status_code in (404, 405)  # 405: an action, POST only
    assert Website.objects.get(pk=website.pk).domain == "example.com"
    assert SharedLink.objects.get().revoked_at is None


def test_a_site_quiet_for_30_days_is_not_said_to_wait_for_its_first_event(tenant):
    website = website_make(account=tenant.account, domain="old.example")
    events_insert([event_build(website, "2025-12-01 10:00:00", 1)])
    html = signed_in_client(tenant.user).get("/sites/").content.decode()
    assert "No visitors in the last 30 days" in html
    assert "Waiting for the first event" not in html


def test_the_owners_dashboard_links_to_settings_and_shares_the_view(tenant, website):
    filters = json.dumps([["is", "visit:browser", ["Safari"]]], separators=(",", ":"))
    html = signed_in_client(tenant.user).get(f"/sites/{website.pk}/", {"filters": filters})
    html = html.content.decode()
    assert f'href="/sites/{website.pk}/settings/"' in html
    share = re.search(rf'href="(/sites/{website.pk}/shares/[^"]*)"', html).group(1)
    form = signed_in_client(tenant.user).get(unescape(share)).context["form"]
    assert json.loads(form["filters"].value()) == json.loads(filters)
