"""The common parameters and each report's own: period resolution and every 400."""

from datetime import date

import pytest

from reports.params import DateRange, add_years, comparison_resolve, period_resolve
from tests.reports.conftest import BASE, report_get

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("today", date(2026, 3, 10), date(2026, 3, 10)),
        ("yesterday", date(2026, 3, 9), date(2026, 3, 9)),
        ("7d", date(2026, 3, 4), date(2026, 3, 10)),
        ("30d", date(2026, 2, 9), date(2026, 3, 10)),
        ("90d", date(2025, 12, 11), date(2026, 3, 10)),
        ("12m", date(2025, 3, 11), date(2026, 3, 10)),
        ("ytd", date(2026, 1, 1), date(2026, 3, 10)),
        ("all", date(2025, 7, 1), date(2026, 3, 10)),
    ],
)
def test_periods_are_utc_days_ending_today(period, start, end):
    assert period_resolve(period=period, today=TODAY, first_day=date(2025, 7, 1)) == DateRange(
        start, end
    )


def test_comparison_periods():
    week = DateRange(date(2026, 3, 4), date(2026, 3, 10))
    assert comparison_resolve(compare="previous_period", period=week) == DateRange(
        date(2026, 2, 25), date(2026, 3, 3)
    )
    assert comparison_resolve(compare="yoy", period=week) == DateRange(
        date(2025, 3, 4), date(2025, 3, 10)
    )
    leap = DateRange(date(2024, 2, 29), date(2024, 2, 29))
    assert comparison_resolve(compare="yoy", period=leap) == DateRange(
        date(2023, 2, 28), date(2023, 2, 28)
    )
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_a_start_date_alone_runs_through_today(fetch):
    assert fetch("summary", start_date="2026-03-08")["period"] == {
        "start": "2026-03-08",
        "end": "2026-03-10",
    }


def test_a_range_of_five_years_is_allowed(fetch):
    data = fetch("timeseries", start_date="2021-03-11", end_date="2026-03-10")
    assert len(data["series"]) == 1826


COMMON_ERRORS = [
    ({"website_id": "not-a-uuid"}, "website_id"),
    ({"period": "week"}, "period"),
    ({"start_date": "2026-02-30", "end_date": "2026-03-01"}, "start_date"),
    ({"start_date": "03/01/2026"}, "start_date"),
    ({"start_date": "2026-03-05", "end_date": "2026-03-01"}, "start_date"),
    ({"start_date": "2026-03-11"}, "start_date"),  # after today
    ({"end_date": "2026-03-01"}, "start_date"),
    ({"start_date": "2021-03-10", "end_date": "2026-03-10"}, "end_date"),  # over 5 years
    ({"compare": "mom"}, "compare"),
    ({"include_bots": "yes"}, "include_bots"),
    ({"content_group": "x" * 101}, "content_group"),
    ({"page": "0"}, "page"),
    ({"page": "two"}, "page"),
    ({"per_page": "501"}, "per_page"),
    ({"per_page": "0"}, "per_page"),
    ({"format": "xml"}, "format"),
]

REPORTS = [
    ("summary", {}),
    ("pages", {}),
    ("sources", {}),
    ("devices", {}),
    ("flow", {}),
    ("funnel", {"steps": ["/a", "/b"]}),
    ("realtime", {}),
    ("custom-events", {}),
    ("timeseries", {}),
]


def assert_invalid(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "INVALID_PAYLOAD"
    assert body["error"]["message"].split(":")[0].split(".")[0] == field, body


@pytest.mark.parametrize(("name", "required"), REPORTS)
@pytest.mark.parametrize(("query", "field"), COMMON_ERRORS)
def test_every_report_rejects_invalid_common_parameters(
    tenant, website, name, required, query, field
):
    assert_invalid(report_get(tenant, name, website, **required, **query), field)


@pytest.mark.parametrize(("name", "required"), REPORTS)
def test_every_report_requires_a_website_id(tenant, name, required):
    response = tenant.client.get(f"{BASE}{name}", {"steps[]": required.get("steps", [])})
    assert_invalid(response, "website_id")


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("sources", {"group_by": "country"}, "group_by"),
        ("funnel", {}, "steps"),
        ("funnel", {"steps": ["/pricing"]}, "steps"),
        ("funnel", {"steps": [f"/{n}" for n in range(11)]}, "steps"),
        ("funnel", {"steps": ["/a", ""]}, "steps"),
        ("custom-events", {"event_name": "x" * 201}, "event_name"),
        ("timeseries", {"metric": "sessions"}, "metric"),
        ("timeseries", {"path": "/" * 1025}, "path"),
    ],
)
def test_report_specific_parameters(tenant, website, name, query, field):
    assert_invalid(report_get(tenant, name, website, **query), field)


def test_funnel_accepts_steps_without_brackets(tenant, website):
    response = tenant.client.get(
        f"{BASE}funnel", {"website_id": str(website.pk), "steps": ["/a", "/b"]}
    )
    assert response.status_code == 200
    assert [row["step"] for row in response.json()["data"]["funnel"]] == ["/a", "/b"]


# --- the calendar's edges: a named 400, never an overflow --------------------------------------

CALENDAR_ERRORS = [
    ({"start_date": "0001-01-01", "compare": "previous_period"}, "end_date"),  # over 5 years
    (
        {"start_date": "0001-01-01", "end_date": "0001-01-05", "compare": "previous_period"},
        "compare",
    ),
    (
        {"start_date": "0001-01-02", "end_date": "0001-01-05", "compare": "previous_period"},
        "compare",
    ),
    ({"start_date": "0001-01-01", "end_date": "0001-12-31", "compare": "yoy"}, "compare"),
    ({"start_date": "9999-12-25", "end_date": "9999-12-31"}, "end_date"),
    ({"start_date": "9999-12-31", "end_date": "9999-12-31", "compare": "yoy"}, "end_date"),
    ({"start_date": "10000-01-01", "end_date": "10000-01-02"}, "start_date"),
    ({"start_date": "0000-12-31", "end_date": "0001-01-02"}, "start_date"),
]


@pytest.mark.parametrize(("name", "required"), REPORTS)
@pytest.mark.parametrize(("query", "field"), CALENDAR_ERRORS)
def test_every_report_refuses_periods_that_leave_the_calendar(
    tenant, website, name, required, query, field
):
    assert_invalid(report_get(tenant, name, website, **required, **query), field)


@pytest.mark.parametrize(("name", "required"), REPORTS)
@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "0001-01-01", "end_date": "0001-01-05"},
        {"start_date": "0002-01-01", "end_date": "0002-01-05", "compare": "yoy"},
        {"start_date": "0001-01-06", "end_date": "0001-01-10", "compare": "previous_period"},
        {"start_date": "9999-12-25", "end_date": "9999-12-30", "compare": "yoy"},
        {"start_date": "9995-01-01", "end_date": "9999-12-30"},
    ],
)
def test_every_report_answers_periods_at_the_calendar_edges(tenant, website, name, required, query):
    if name == "funnel" and query["start_date"] == "9995-01-01":
        query = {**query, "start_date": "9999-12-01"}  # within the funnel's own bound
    response = report_get(tenant, name, website, **required, **query)
    assert response.status_code == 200, response.content


# --- the funnel reads raw events: its period is bounded ----------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start_date": "2025-12-07", "end_date": "2026-03-09"}, "end_date"),  # 93 days
        ({"start_date": "2025-12-08"}, "end_date"),  # 93 days through today
        ({"period": "12m"}, "period"),
    ],
)
def test_the_funnel_refuses_periods_over_its_bound(tenant, dataset, query, field):
    response = report_get(tenant, "funnel", dataset, steps=["/", "/pricing"], **query)
    assert_invalid(response, field)
    assert "at most 92 days" in response.json()["error"]["message"]


def test_the_funnel_answers_up_to_its_bound(tenant, website):
    query = {"start_date": "2025-12-08", "end_date": "2026-03-09"}  # 92 days
    response = report_get(tenant, "funnel", website, steps=["/", "/pricing"], **query)
    assert response.status_code == 200, response.content
    assert (
        report_get(tenant, "funnel", website, steps=["/a", "/b"], period="90d").status_code == 200
    )


def test_the_funnel_bound_is_a_setting(tenant, website, settings):
    settings.TRAILMARK_FUNNEL_MAX_DAYS = 7
    assert_invalid(
        report_get(tenant, "funnel", website, steps=["/a", "/b"], period="30d"), "period"
    )
    assert report_get(tenant, "funnel", website, steps=["/a", "/b"], period="7d").status_code == 200
    # The other reports keep the 5-year bound.
    assert report_get(tenant, "pages", website, period="30d").status_code == 200
