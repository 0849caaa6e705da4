"""The dashboard in a real headless Chromium against the live server, signed in as the owner.

The data set is the reports' week (tests/reports/conftest.py, "now" 2026-03-10 12:00 UTC) with
03-08 and 03-09 aggregated, so the page reads stored sessions, day rows and today's live events.
Every expected figure comes from the query engine (`query_run`), computed before the browser
opens: Playwright's sync API runs an asyncio loop in this thread, in which Django refuses ORM
calls. Screenshots go to tests/artifacts/ (ignored by git).
"""

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from aggregation.services import day_aggregate
from reports.params import queries_build
from stats.query import query_parse
from stats.runner import query_run
from tests.browser import PHONE, chromium, chromium_or_skip, screenshot, signed_in
from tests.factories import session_signed_in, website_make

chromium_or_skip()

from playwright.sync_api import BrowserContext, Page  # noqa: E402

TOP_STATS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"]
CUSTOM = ["is", "event:type", ["custom"]]
# Each panel's default tab (the sources panel: the referrers tab the tests open) as a query: a
# panel shows visitors (the breakdown in full, every metric).
PANEL_QUERIES = {
    "pages": ("event:page", []),
    "sources": ("visit:source", []),
    "devices": ("visit:device", []),
    "countries": ("visit:country", []),
    "events": ("event:name", [CUSTOM]),
    "content": ("event:content_group", []),
}
READ_PANELS = """() => Object.fromEntries([...document.querySelectorAll('.panel[data-panel]')].map(
  panel => [panel.dataset.panel, [...panel.querySelectorAll('tbody tr')].filter(
    row => row.querySelector('th')).map(row => [
      row.querySelector('th').textContent.trim(),
      ...[...row.querySelectorAll('td')].map(cell => cell.dataset.value)])]))"""
READ_TOP_STATS = """() => Object.fromEntries(
  [...document.querySelectorAll('[data-metric][data-value]')].map(
    stat => [stat.dataset.metric, [stat.dataset.value, stat.dataset.change ?? null]]))"""


def engine(website, *, paginate: bool = True, **body) -> dict:
    """The query API's `data` for a body (as `POST /api/v1/query` resolves it)."""
    [query] = queries_build(
        website=website, parsed=[query_parse({"website_id": str(website.pk), **body})]
    )
    return query_run(website=website, query=query, paginate=paginate)


def top_expected(website, **body) -> dict:
    result = engine(website, metrics=TOP_STATS, **body)["results"][0]
    changes = result.get("comparison", {}).get("change", [None] * len(TOP_STATS))
    return {
        metric: [json.dumps(value), json.dumps(change) if "comparison" in result else None]
        for metric, value, change in zip(TOP_STATS, result["metrics"], changes, strict=True)
    }


def panels_expected(website, *, filters: list, date_range: str = "30d") -> dict:
    panels = {}
    for panel, (dimension, own) in PANEL_QUERIES.items():
        data = engine(
            website,
            date_range=date_range,
            metrics=["visitors"],
            dimensions=[dimension],
            filters=[*filters, *own],
            pagination={"limit": 10},
        )
        panels[panel] = [
            [result["dimensions"][0] or "(none)", *map(str, result["metrics"])]
            for result in data["results"]
        ]
    return panels


def chart_expected(website, *, filters: list, metric: str = "visitors") -> list:
    data = engine(
        website, date_range="30d", metrics=[metric], dimensions=["time:day"], filters=filters
    )
    by_day = {result["dimensions"][0]: result["metrics"][0] for result in data["results"]}
    return [by_day.get(label, 0) for label in data["meta"]["time_labels"]]


@pytest.fixture
def site(dataset):
    """The week with two days aggregated (stored sessions, rollups, day rows); today live."""
    for day in (date(2026, 3, 8), date(2026, 3, 9)):
        day_aggregate(website_id=dataset.pk, day=day)
    return dataset


@pytest.fixture
def session_key(tenant) -> str:
    return session_signed_in(user=tenant.user)


def opened(context: BrowserContext, url: str) -> tuple[Page, list[str]]:
    """The page at `url`, with the errors its scripts raise."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(url)
    page.wait_for_selector("#chart .uplot")
    return page, errors


def test_top_stats_period_and_compare_are_the_query_apis(live_server, site, session_key):
    expected_30d = top_expected(site, date_range="30d")
    expected_7d = top_expected(site, date_range="7d", compare="previous_period")
    expected_yoy = top_expected(site, date_range="7d", compare="yoy")
    expected_bots = top_expected(site, date_range="7d", compare="yoy", include_bots=True)
    dashboard = f"{live_server.url}/sites/{site.pk}/"

    with chromium() as browser:
        page, errors = opened(signed_in(browser, live_server, session_key), dashboard)
        shown_30d = page.evaluate(READ_TOP_STATS)
        screenshot(page, "dashboard-desktop")
        page.click("nav.periods a[data-period='7d']")
        page.wait_for_url("**period=7d**")
        page.click("nav.compare a[data-compare='previous_period']")
        page.wait_for_url("**compare=previous_period**")
        shown_7d = page.evaluate(READ_TOP_STATS)
        comparison = page.text_content("[data-comparison]")
        page.click(".top-stats [data-metric='pageviews']")  # the chart switches in place
        chart_title = page.text_content("#chart-title")
        table_caption = page.text_content(".chart-table caption")
        url_after_metric = page.url
        screenshot(page, "dashboard-7d-compared")
        page.click("nav.compare a[data-compare='yoy']")
        page.wait_for_url("**compare=yoy**")
        shown_yoy = page.evaluate(READ_TOP_STATS)
        page.click("a.toggle[data-include-bots='false']")
        page.wait_for_url("**include_bots=true**")
        shown_bots = page.evaluate(READ_TOP_STATS)
        page.click("nav.periods a[data-period='today']")
        page.wait_for_url("**period=today**")
        today_interval = page.get_attribute("#chart", "data-interval")
        page.hover("#chart .u-over", position={"x": 300, "y": 100})
        tooltip = page.text_content(".chart-tooltip")
        screenshot(page, "dashboard-today-by-hour")

        phone = signed_in(browser, live_server, session_key, viewport=PHONE)
        phone_page, phone_errors = opened(phone, url_after_metric)
        phone_shown = phone_page.evaluate(READ_TOP_STATS)
        overflow = phone_page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        screenshot(phone_page, "dashboard-phone")
        screenshot(phone_page, "dashboard-phone-first-screen", full_page=False)

    assert shown_30d == {metric: [value, None] for metric, (value, _) in expected_30d.items()}
    assert shown_7d == expected_7d
    assert comparison == "2026-02-25 to 2026-03-03"
    assert chart_title == "Pageviews"
    assert table_caption == "Pageviews by day"
    assert "metric=pageviews" in url_after_metric
    assert shown_yoy == expected_yoy
    assert shown_bots == expected_bots != expected_yoy
    assert today_interval == "hour"
    assert "2026-03-10" in tooltip and "2025-03-10" in tooltip  # the hour, and a year before
    assert phone_shown == expected_7d  # the link reproduces the view
    assert overflow == 0  # nothing wider than a phone
    assert errors == phone_errors == []


def test_clicking_a_source_then_a_device_filters_everything(live_server, site, session_key):
    both = [["is", "visit:source", ["google.com"]], ["is", "visit:device", ["desktop"]]]
    expected_top = top_expected(site, date_range="30d", filters=both)
    expected_panels = panels_expected(site, filters=both)
    expected_chart = chart_expected(site, filters=both)
    unfiltered_panels = panels_expected(site, filters=[])
    dashboard = f"{live_server.url}/sites/{site.pk}/"

    with chromium() as browser:
        page, errors = opened(signed_in(browser, live_server, session_key), dashboard)
        page.click("#panel-sources .tabs a[data-tab='referrers']")  # fetched in place
        page.wait_for_selector("#panel-sources table[data-breakdown='referrers']")
        page.wait_for_url("**sources_tab=referrers**")
        shown_unfiltered = page.evaluate(READ_PANELS)
        page.click(".top-stats [data-metric='visits']")  # in place: later links keep it
        page.click("#panel-sources tbody a[data-filter-value='google.com']")
        page.wait_for_url("**filters=**")
        page.click("#panel-devices tbody a[data-filter-value='desktop']")
        page.wait_for_url("**visit%3Adevice**")
        filtered_url = page.url
        shown = {
            "top": page.evaluate(READ_TOP_STATS),
            "panels": page.evaluate(READ_PANELS),
            "chart": page.evaluate(
                "() => JSON.parse(document.getElementById('chart-data').textContent)"
                ".series.visitors"
            ),
            "chips": page.locator(".chips .chip span:first-child").all_text_contents(),
        }
        screenshot(page, "dashboard-filtered")

        again, again_errors = opened(signed_in(browser, live_server, session_key), filtered_url)
        reproduced = {
            "top": again.evaluate(READ_TOP_STATS),
            "panels": again.evaluate(READ_PANELS),
            "chart": again.evaluate(
                "() => JSON.parse(document.getElementById('chart-data').textContent)"
                ".series.visitors"
            ),
            "chips": again.locator(".chips .chip span:first-child").all_text_contents(),
        }
        chart_title = again.text_content("#chart-title")
        again.click(".chips .chip a >> nth=0")  # removes the source filter
        again.wait_for_url(lambda url: "google.com" not in url)
        remaining = again.locator(".chips .chip span:first-child").all_text_contents()

    assert shown_unfiltered == unfiltered_panels
    assert shown["top"] == {metric: [value, None] for metric, (value, _) in expected_top.items()}
    assert shown["panels"] == expected_panels
    assert shown["panels"]["sources"] == [["google.com", "2"]]
    assert shown["chart"] == expected_chart
    assert shown["chips"] == ["Referrer is google.com", "Device is desktop"]
    assert reproduced == shown
    assert "sources_tab=referrers" in filtered_url and "metric=visits" in filtered_url
    assert chart_title == "Visits"
    assert remaining == ["Device is desktop"]
    assert errors == again_errors == []


def test_a_panel_exports_its_rows_as_csv(live_server, site, session_key):
    expected = engine(
        site,
        date_range="30d",
        metrics=["visitors", "pageviews"],
        dimensions=["event:page"],
        paginate=False,
    )
    expected_rows = [
        [result["dimensions"][0], *map(str, result["metrics"])] for result in expected["results"]
    ]

    with chromium() as browser:
        page, errors = opened(
            signed_in(browser, live_server, session_key), f"{live_server.url}/sites/{site.pk}/"
        )
        with page.expect_download() as download_info:
            page.click("#panel-pages a[data-export]")
        download = download_info.value
        name = download.suggested_filename
        lines = Path(download.path()).read_text().splitlines()

    assert name == f"pages-{site.domain}-2026-02-09-2026-03-10.csv"
    rows = list(csv.reader(lines))
    assert rows[0] == ["event:page", "visitors", "pageviews"]
    assert rows[1:] == expected_rows
    assert errors == []


def test_the_realtime_panel_shows_and_refreshes(live_server, site, session_key):
    with chromium() as browser:
        page, errors = opened(
            signed_in(browser, live_server, session_key), f"{live_server.url}/sites/{site.pk}/"
        )
        first = page.get_attribute("[data-realtime-visitors]", "data-value")
        with page.expect_response(lambda response: "/realtime" in response.url, timeout=15_000):
            pass  # the page fetches it again within a few seconds
        page.wait_for_timeout(200)
        refreshed = page.get_attribute("[data-realtime-visitors]", "data-value")
        pages_now = page.locator(".realtime tbody th").all_text_contents()

    # V8 and V11 in the last 30 minutes; the bot and the excluded visitor are not counted.
    assert first == refreshed == "2"
    assert pages_now == ["/", "/blog/a"]
    assert errors == []


def test_details_search_and_paging_empty_state_and_dark(live_server, site, session_key, tenant):
    empty = website_make(account=tenant.account, domain="new.example")
    expected = engine(
        site,
        date_range="30d",
        metrics=["visitors", "pageviews"],
        dimensions=["event:page"],
        filters=[["contains", "event:page", ["BLOG"], {"case_sensitive": False}]],
    )
    expected_rows = [
        [result["dimensions"][0], *map(str, result["metrics"])] for result in expected["results"]
    ]
    read_rows = """() => [...document.querySelectorAll('table.breakdown tbody tr')].map(row => [
      row.querySelector('th').textContent.trim(),
      ...[...row.querySelectorAll('td[data-value]')].map(cell => cell.dataset.value)])"""

    with chromium() as browser:
        page, errors = opened(
            signed_in(browser, live_server, session_key), f"{live_server.url}/sites/{site.pk}/"
        )
        page.click("#panel-pages a[data-details]")
        page.wait_for_url("**/breakdowns/pages**")
        page.fill("input[name='search']", "BLOG")
        page.press("input[name='search']", "Enter")
        page.wait_for_url("**search=BLOG**")
        searched = page.evaluate(read_rows)
        screenshot(page, "breakdown-search")
        page.click("table.breakdown tbody a >> nth=0")  # back to the dashboard, filtered
        page.wait_for_url(lambda url: "/breakdowns/" not in url and "filters=" in url)
        chips = page.locator(".chips .chip span:first-child").all_text_contents()

        dark = signed_in(browser, live_server, session_key, color_scheme="dark")
        empty_page = dark.new_page()
        empty_page.goto(f"{live_server.url}/sites/{empty.pk}/")
        snippet = empty_page.text_content("#tracker-snippet")
        background = empty_page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        screenshot(empty_page, "empty-state-dark")
        bad = empty_page.goto(f"{live_server.url}/sites/{site.pk}/?period=5y")
        screenshot(empty_page, "bad-parameter")

    assert searched == expected_rows
    assert chips == ["Page is /blog/a"]
    assert f'data-id="{empty.pk}"' in snippet
    assert background == "rgb(15, 18, 23)"
    assert bad.status == 400
    assert errors == []


def test_signing_in_through_the_login_page_opens_the_asked_dashboard(live_server, site, tenant):
    """Signed out, the dashboard's URL leads to /login; the form signs the owner in and back to
    that URL (filters and all); signing out ends it."""
    from accounts.services import user_password_set

    user = tenant.user
    user.email = "owner@example.com"
    user.save(update_fields=["email"])
    user_password_set(user=user, password="a long sign-in passphrase")
    wanted = f"{live_server.url}/sites/{site.pk}/?period=7d"
    expected = top_expected(site, date_range="7d")

    with chromium() as browser:
        page = browser.new_context().new_page()
        page.goto(wanted)
        redirected_to = page.url
        page.fill("input[name=email]", "owner@example.com")
        page.fill("input[name=password]", "not the passphrase")
        page.click("main button[type=submit]")
        refused = page.text_content("main")
        page.fill("input[name=password]", "a long sign-in passphrase")
        page.click("main button[type=submit]")
        page.wait_for_selector("#chart .uplot")
        landed_on = page.url
        shown = page.evaluate(READ_TOP_STATS)
        page.click("header button:has-text('Sign out')")
        page.wait_for_url("**/login**")
        page.goto(wanted)
        after_sign_out = page.url

    assert redirected_to.startswith(f"{live_server.url}/login?next=")
    assert "Wrong email or password." in refused
    assert landed_on == wanted
    assert shown == {metric: [value, None] for metric, (value, _) in expected.items()}
    assert after_sign_out.startswith(f"{live_server.url}/login?next=")
