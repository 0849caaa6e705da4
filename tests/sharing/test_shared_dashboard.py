"""A shared link's dashboard, signed out: the link's website only, its locked filters on every
figure (visitors add theirs on top), read-only; the embed without chrome, frameable."""

import csv
import io
import json
import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from dashboard.site_selectors import website_query_run
from sharing.services import shared_link_create, shared_link_revoke
from tests.factories import website_make

SAFARI = ["is", "visit:browser", ["Safari"]]
IOS = ["is", "visit:os", ["iOS"]]
TOP_STATS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"]


def _top_stats(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-metric="([a-z_]+)" data-value="([^"]*)"', html))


def _engine(website, filters: list, period: str = "30d") -> dict[str, str]:
    answer = website_query_run(
        website=website, body={"date_range": period, "metrics": TOP_STATS, "filters": filters}
    )
    [row] = answer["results"]
    return {name: json.dumps(value) for name, value in zip(TOP_STATS, row["metrics"], strict=True)}


@pytest.fixture
def link(website, dataset):
    return shared_link_create(website=website, label="Press", filters=[SAFARI])


def test_a_shared_link_opens_the_dashboard_signed_out_with_its_filters_locked(website, link):
    response = Client().get(f"/share/{link.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    shown = _top_stats(html)
    assert shown == _engine(website, [SAFARI])
    assert shown != _engine(website, [])  # the lock changes the figures
    assert "Locked by this link" in html


def test_visitors_add_filters_on_top_but_never_remove_the_locked_ones(website, link):
    client = Client()
    added = client.get(f"/share/{link.token}/", {"filters": json.dumps([IOS])})
    assert _top_stats(added.content.decode()) == _engine(website, [SAFARI, IOS])
    emptied = client.get(f"/share/{link.token}/", {"filters": "[]"})
    assert _top_stats(emptied.content.decode()) == _engine(website, [SAFARI])
    negated = client.get(f"/share/{link.token}/", {"filters": json.dumps([["not", SAFARI]])})
    assert _top_stats(negated.content.decode())["visitors"] == "0"  # and-ed, never replacing
    week = client.get(f"/share/{link.token}/", {"period": "7d"})
    assert _top_stats(week.content.decode()) == _engine(website, [SAFARI], period="7d")


def test_a_shared_link_shows_nothing_but_its_sites_dashboard(tenant, website, link):
    other = website_make(account=tenant.account, domain="other.example")
    html = Client().get(f"/share/{link.token}/").content.decode()
    assert "other.example" not in html and str(other.pk) not in html
    assert "/sites/" not in html  # no way to the owner's pages: list, settings, dashboards
    assert "settings" not in html.lower()
    assert 'name="csrfmiddlewaretoken"' not in html  # nothing to post


def test_breakdowns_csv_and_realtime_of_a_shared_link_keep_the_lock(website, link):
    client = Client()
    base = f"/share/{link.token}/"
    assert client.get(f"{base}breakdowns/pages").status_code == 200
    assert client.get(f"{base}realtime").status_code == 200
    panel = client.get(f"{base}panels/devices", {"devices_tab": "browsers"}).content.decode()
    assert "Safari" in panel and "Chrome" not in panel and "Firefox" not in panel
    exported = client.get(f"{base}breakdowns/browsers.csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert {row["visit:browser"] for row in rows} == {"Safari"}


def test_a_revoked_or_unknown_link_is_not_found_on_every_page(website, link):
    shared_link_revoke(shared_link=link)
    for rest in ["", "breakdowns/pages", "breakdowns/pages.csv", "realtime", "embed/"]:
        assert Client().get(f"/share/{link.token}/{rest}").status_code == 404
    assert Client().get("/share/" + "A" * 43 + "/embed/realtime").status_code == 404


def test_a_visitors_bad_parameters_are_a_400_page_never_a_500(link):
    client = Client()
    for params in [
        {"filters": "[oops"},
        {"period": "forever"},
        {"start_date": "2026-02-30", "end_date": "2026-03-01"},
        {"interval": "hour", "period": "12m"},
        # Last: PostgreSQL refuses it, which aborts the test's transaction (not a request's).
        {"filters": json.dumps([["matches", "event:page", ["("]]])},
    ]:
        response = client.get(f"/share/{link.token}/?{urlencode(params)}")
        assert response.status_code == 400, params


def test_the_shared_page_cannot_be_framed_but_its_embed_can(website, link):
    page = Client().get(f"/share/{link.token}/")
    assert page["X-Frame-Options"] == "DENY"
    assert 'class="site-header"' in page.content.decode()

    redirect = Client().get(f"/share/{link.token}/", {"embed": "1", "period": "7d"})
    assert redirect.status_code == 302
    assert redirect["Location"] == f"/share/{link.token}/embed/?period=7d"

    embed = Client().get(redirect["Location"])
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    html = embed.content.decode()
    assert 'class="site-header"' not in html and 'class="embed"' in html
    assert _top_stats(html) == _engine(website, [SAFARI], period="7d")
    panel = Client().get(f"/share/{link.token}/embed/realtime")
    assert panel.status_code == 200 and "X-Frame-Options" not in panel


def test_an_embedded_password_link_says_to_open_it_on_its_own(website, dataset):
    link = shared_link_create(website=website, password="open sesame")
    response = Client().get(f"/share/{link.token}/embed/")
    assert response.status_code == 401
    assert "X-Frame-Options" not in response
    assert 'href="../"' in response.content.decode()
    assert 'data-metric="visitors"' not in response.content.decode()


def test_a_password_link_shows_its_dashboard_once_opened(website, dataset):
    link = shared_link_create(website=website, password="open sesame")
    client = Client()
    assert 'data-metric="visitors"' not in client.get(f"/share/{link.token}/").content.decode()
    assert (
        'data-metric="visitors"' not in client.get(f"/share/{link.token}/realtime").content.decode()
    )
    client.post(f"/share/{link.token}/", {"password": "open sesame"})
    assert _top_stats(client.get(f"/share/{link.token}/").content.decode()) == _engine(website, [])


def test_a_shared_page_takes_only_get_once_opened(link):
    assert Client().post(f"/share/{link.token}/", {"password": "x"}).status_code == 405
