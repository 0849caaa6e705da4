"""The dashboard's pages with a plain client: tenancy, hostile URL parameters, the empty state,
the CSV export and the number of SQL statements of a render."""

import csv
import io
import json
from html import escape
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from dashboard import pages, selectors
from dashboard import urls as dashboard_urls
from dashboard.params import TOP_STATS
from reports.params import queries_build
from stats.filters import filters_parse
from stats.query import query_parse
from stats.runner import query_run
from tests.factories import account_make, session_signed_in, user_make, website_make
from tests.reports.factories import event_build, events_insert

# Every route of the dashboard, read from its URLconf (a route added later is covered), with a
# valid value for each path parameter but the website.
ROUTES = [pattern.name for pattern in dashboard_urls.urlpatterns]
ROUTE_VALUES = {"slug": "pages", "panel": "sources"}


def route_url(name: str, website, **values) -> str:
    pattern = next(p for p in dashboard_urls.urlpatterns if p.name == name)
    kwargs = {key: values.get(key, ROUTE_VALUES.get(key)) for key in pattern.pattern.converters}
    return reverse(name, kwargs={**kwargs, "website_id": website.pk})


def signed_in_client(user) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_signed_in(user=user)
    return client


@pytest.mark.parametrize("route", ROUTES)
def test_signed_out_visitors_are_sent_to_sign_in(dataset, route):
    url = route_url(route, dataset)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{settings.LOGIN_URL}?next={quote(url)}"


@pytest.mark.parametrize("route", ROUTES)
def test_a_user_of_another_account_gets_404(dataset, other_tenant, route):
    response = signed_in_client(other_tenant.user).get(route_url(route, dataset))
    assert response.status_code == 404
    assert "No such website." in response.content.decode()
    assert f">{dataset.domain}<" not in response.content.decode()


@pytest.mark.parametrize("route", ROUTES)
def test_the_owner_and_an_admin_see_it(dataset, owner_client, route):
    admin, _ = user_make(role=Role.ADMIN, account=account_make())
    assert owner_client.get(route_url(route, dataset)).status_code == 200
    assert signed_in_client(admin).get(route_url(route, dataset)).status_code == 200


def test_the_properties_tab_asks_for_its_property(dataset, owner_client):
    url = route_url("site-dashboard", dataset)
    without = owner_client.get(url, {"events_tab": "properties"}).content.decode()
    assert "Name a property of your custom events." in without
    assert 'name="events_tab" value="properties"' in without  # the form keeps the tab
    named = owner_client.get(url, {"events_tab": "properties", "prop": "plan"}).content.decode()
    assert 'data-dimension="event:props:plan"' in named


def test_only_get_is_answered(dataset, owner_client):
    assert owner_client.post(f"/sites/{dataset.pk}/").status_code == 405


HOSTILE = [
    ({"filters": "{"}, "filters"),
    ({"filters": "[" * 5000 + "]" * 5000}, "filters"),
    ({"filters": "x" * 20_000}, "filters"),
    ({"filters": '[["is","visit:colour",["red"]]]'}, "visit:colour"),
    ({"filters": '{"is": 1}'}, "filters"),
    ({"filters": '[["is","visit:source",["a\\u0000b"]]]'}, "filters"),
    ({"filters": '[["matches","event:page",["("]]]'}, "regular expression"),
    ({"metric": "revenue"}, "metric"),
    ({"period": "5y"}, "period"),
    ({"period": "custom"}, "start_date"),
    ({"start_date": "2026-02-30", "end_date": "2026-03-01"}, "start_date"),
    ({"start_date": "2026-03-05", "end_date": "2026-03-01"}, "date_range"),
    ({"start_date": "2020-01-01", "end_date": "2026-03-01"}, "date_range"),
    ({"start_date": "0001-01-01", "end_date": "0001-01-05", "compare": "yoy"}, "compare"),
    ({"start_date": "\uff12\uff10\uff12\uff16-03-01", "end_date": "2026-03-02"}, "start_date"),
    ({"period": "12m", "interval": "hour"}, "time:hour"),
    ({"compare": "last_week"}, "compare"),
    ({"include_bots": "maybe"}, "include_bots"),
    ({"interval": "minute"}, "interval"),
    ({"pages_tab": "secret"}, "pages_tab"),
    ({"prop": "a b"}, "prop"),
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("params", "named"), HOSTILE)
def test_hostile_parameters_get_a_helpful_400_page(dataset, owner_client, route, params, named):
    if named == "time:hour" and route != "site-dashboard":
        return  # only the dashboard draws the chart by interval
    if route == "site-realtime" and named in ("date_range", "compare"):
        return  # realtime's window is not the period
    response = owner_client.get(route_url(route, dataset), params)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert named in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "abc"},
        {"page": "9" * 5000},
        {"page": "²"},
        {"search": "x" * 101},
        {"search": "a\x00b"},
    ],
)
def test_hostile_breakdown_parameters(dataset, owner_client, params):
    response = owner_client.get(f"/sites/{dataset.pk}/breakdowns/pages", params)
    assert response.status_code == 400


def test_unknown_breakdowns_and_panels_are_404(dataset, owner_client):
    for route in ("site-breakdown", "site-breakdown-csv", "site-panel"):
        url = route_url(route, dataset, slug="secrets", panel="secrets")
        assert owner_client.get(url).status_code == 404


def test_a_site_without_events_shows_its_snippet(tenant, owner_client, settings):
    website = website_make(account=tenant.account, domain="new.example")
    content = owner_client.get(f"/sites/{website.pk}/").content.decode()
    assert "Waiting for the first event" in content
    assert escape(
        f'data-id="{website.pk}" src="{settings.TRAILMARK_PUBLIC_URL}/js/tracker.js"'
    ) in (content)


def test_a_site_with_events_shows_no_snippet_even_for_an_empty_period(dataset, owner_client):
    content = owner_client.get(f"/sites/{dataset.pk}/", {"period": "yesterday"})
    assert "Waiting for the first event" not in content.content.decode()
    older = owner_client.get(
        f"/sites/{dataset.pk}/", {"start_date": "2025-01-01", "end_date": "2025-01-31"}
    )
    assert older.status_code == 200
    assert "Waiting for the first event" not in older.content.decode()


def test_a_breakdown_in_full_searches_and_pages(dataset, owner_client):
    response = owner_client.get(f"/sites/{dataset.pk}/breakdowns/pages", {"search": "BLOG"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "/blog/a" in content and "/blog/b" in content
    assert "/pricing" not in content
    assert "2 rows, page 1 of 1" in content


def test_a_breakdown_in_full_pages_through_the_engines_rows(dataset, owner_client, monkeypatch):
    monkeypatch.setattr(selectors, "BREAKDOWN_PAGE_ROWS", 2)
    url = route_url("site-breakdown", dataset)
    second = owner_client.get(url, {"page": "2"}).content.decode()
    third = owner_client.get(url, {"page": "3"}).content.decode()
    # Top pages by visitors: /pricing 5, / 4, /blog/a 3, /signup 3, /blog/b 1.
    assert "5 rows, page 2 of 3" in second
    assert ">/blog/a</a>" in second and ">/signup</a>" in second and ">/pricing</a>" not in second
    assert 'rel="prev"' in second and 'rel="next"' in second
    assert ">/blog/b</a>" in third and 'rel="next"' not in third
    assert "No rows." in owner_client.get(url, {"page": "4"}).content.decode()


def test_the_csv_export_is_every_row_of_the_engine(dataset, owner_client):
    response = owner_client.get(
        f"/sites/{dataset.pk}/breakdowns/channels.csv", {"period": "7d", "search": "o"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="channels-example.com-2026-03-04-2026-03-10.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["visit:channel", "visitors", "visits"],
        ["Organic Search", "2", "2"],
        ["Social", "2", "2"],
    ]


def test_clicking_a_row_link_adds_its_filter_and_keeps_the_others(dataset, owner_client):
    filters = json.dumps([["is", "visit:device", ["mobile"]]])
    content = owner_client.get(
        f"/sites/{dataset.pk}/", {"filters": filters, "sources_tab": "referrers"}
    ).content.decode()
    expected = json.dumps(
        [["is", "visit:device", ["mobile"]], ["is", "visit:source", ["t.co"]]],
        separators=(",", ":"),
    )
    assert f"filters={quote(expected, safe='')}&amp;sources_tab=referrers" in content


def test_a_render_runs_a_bounded_number_of_statements(
    dataset, owner_client, django_assert_max_num_queries
):
    # The session's user; per query of the engine (top stats, chart, six panels) the budget's
    # timeout, the day split and the statement; the budget's savepoint; realtime: 31, whatever
    # the number of rows.
    with django_assert_max_num_queries(31):
        assert owner_client.get(f"/sites/{dataset.pk}/").status_code == 200


def test_a_shared_view_keeps_its_locked_filters(dataset, rf):
    """What a shared link gets (its routes are the sites pages'): the filters locked in apply to
    every figure and cannot be removed; the embed has no header."""
    locked = filters_parse([["is", "visit:device", ["mobile"]]])
    request = rf.get("/", {"filters": json.dumps([["is", "visit:source", ["t.co"]]])})
    content = pages.dashboard_page(
        request, website=dataset, locked=locked, mode="shared"
    ).content.decode()
    # V2 only (mobile, from t.co), a visitor on each of two days.
    assert 'data-metric="visitors" data-value="2"' in content
    assert "Device is mobile" in content
    assert 'aria-label="Remove filter Device is mobile"' not in content
    assert 'aria-label="Remove filter Referrer is t.co"' in content
    assert content.count('class="site-header"') == 1
    embed = pages.dashboard_page(rf.get("/"), website=dataset, locked=locked, mode="embed")
    assert 'class="site-header"' not in embed.content.decode()


def test_the_chart_is_also_a_table_without_javascript(dataset, owner_client):
    content = owner_client.get(
        route_url("site-dashboard", dataset), {"period": "7d", "metric": "pageviews"}
    ).content.decode()
    assert "<caption>Pageviews by day</caption>" in content
    assert '<tr><th scope="row">2026-03-08</th><td>7</td></tr>' in content
    assert '<tr><th scope="row">2026-03-07</th><td>0</td></tr>' in content


def test_a_value_too_long_to_filter_by_is_shown_without_a_link(dataset, owner_client):
    long_note = "n" * 2000
    events_insert(
        [
            event_build(dataset, "2026-03-10 09:00:00", 30, path="/"),
            event_build(
                dataset,
                "2026-03-10 09:01:00",
                30,
                "custom",
                path="/",
                event_name="feedback",
                properties={"note": long_note, "plan": "pro"},
            ),
        ]
    )
    url = route_url("site-dashboard", dataset)
    response = owner_client.get(url, {"events_tab": "properties", "prop": "note"})
    content = response.content.decode()
    assert response.status_code == 200
    assert f'<th scope="row" class="bar-cell" style="--share: 11.1%">{long_note}</th>' in content
    plan = owner_client.get(url, {"events_tab": "properties", "prop": "plan"}).content.decode()
    assert 'data-filter-value="pro"' in plan


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"include_bots": "true"}, {"date_range": "30d", "include_bots": True}),
        ({"period": "today"}, {"date_range": "today"}),
        (
            {"period": "all", "compare": "previous_period"},
            {"date_range": "all", "compare": "previous_period"},
        ),
        (
            {"start_date": "2026-03-08", "end_date": "2026-03-09", "compare": "yoy"},
            {"date_range": ["2026-03-08", "2026-03-09"], "compare": "yoy"},
        ),
        (
            {"filters": '[["contains","event:page",["blog"]]]', "period": "7d"},
            {"date_range": "7d", "filters": [["contains", "event:page", ["blog"]]]},
        ),
    ],
)
def test_top_stats_are_the_engines_in_every_state(dataset, owner_client, params, body):
    metrics = list(TOP_STATS)
    parsed = query_parse({"website_id": str(dataset.pk), "metrics": metrics, **body})
    [query] = queries_build(website=dataset, parsed=[parsed])
    [result] = query_run(website=dataset, query=query)["results"]
    content = owner_client.get(route_url("site-dashboard", dataset), params).content.decode()
    for index, metric in enumerate(metrics):
        shown = f'data-metric="{metric}" data-value="{json.dumps(result["metrics"][index])}"'
        assert shown in content
        if "comparison" in result:
            change = json.dumps(result["comparison"]["change"][index])
            assert f'{shown} data-previous="' in content
            assert f'data-change="{change}"' in content


@pytest.mark.parametrize("route", ["site-dashboard", "site-breakdown", "site-panel"])
def test_a_page_past_its_time_budget_answers_503(dataset, owner_client, settings, route):
    settings.TRAILMARK_STATEMENT_TIMEOUT_MS = 1  # the whole page's budget
    response = owner_client.get(route_url(route, dataset), {"period": "all"})
    assert response.status_code == 503
    assert "took too long" in response.content.decode()


def test_the_budget_leaves_the_usual_statement_timeout_behind(dataset, owner_client):
    assert owner_client.get(route_url("site-dashboard", dataset)).status_code == 200
    with connection.cursor() as cursor:  # still the test's transaction: SET LOCAL would show
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == f"{settings.TRAILMARK_STATEMENT_TIMEOUT_MS // 1000}s"
