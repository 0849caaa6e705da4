"""The report endpoints as HTTP: tenancy, authentication, CSV exports and query counts."""

import csv
import io
import uuid

import pytest

from reports.api.renderers import csv_cell
from tests.reports.conftest import BASE, report_get
from tests.reports.test_params import REPORTS

# --- Tenancy and authentication --------------------------------------------------------------


@pytest.mark.parametrize(("name", "required"), REPORTS)
def test_another_accounts_website_is_not_found(other_tenant, dataset, name, required):
    response = report_get(other_tenant, name, dataset, **required)

    assert response.status_code == 404
    assert response.json() == {
        "status": "error",
        "error": {"code": "NOT_FOUND", "message": "Website not found."},
    }


@pytest.mark.parametrize(("name", "required"), REPORTS)
def test_an_unknown_website_is_not_found(tenant, name, required):
    response = tenant.client.get(
        f"{BASE}{name}", {"website_id": str(uuid.uuid4()), "steps[]": required.get("steps", [])}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(("name", "required"), REPORTS)
def test_an_admin_reads_every_accounts_reports(admin, dataset, name, required):
    assert report_get(admin, name, dataset, **required).status_code == 200


@pytest.mark.parametrize(("name", "required"), REPORTS)
def test_reports_need_an_api_key(anonymous, dataset, name, required):
    response = anonymous.get(f"{BASE}{name}", {"website_id": str(dataset.pk), "format": "csv"})

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_reports_are_read_only(tenant, dataset):
    response = tenant.client.post(f"{BASE}summary?website_id={dataset.pk}", {})
    assert response.status_code == 405
    assert response.json()["status"] == "error"


# --- CSV -------------------------------------------------------------------------------------


def csv_get(caller, name, website, **query):
    response = report_get(caller, name, website, format="csv", **query)
    assert response.status_code == 200, response.content
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return response, list(csv.reader(io.StringIO(body)))


def test_csv_export_of_every_row(tenant, dataset):
    response, rows = csv_get(tenant, "pages", dataset, per_page=1, page=3)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="pages-example.com-2026-03-04-2026-03-10.csv"'
    )
    assert rows == [
        ["path", "contentGroup", "pageviews", "uniquePageviews"],
        ["/pricing", "", "5", "4"],
        ["/", "", "3", "3"],
        ["/blog/a", "Blog", "3", "3"],
        ["/signup", "", "3", "3"],
        ["/blog/b", "Blog", "1", "1"],
    ]


def test_csv_by_accept_header(tenant, dataset):
    response = tenant.client.get(
        f"{BASE}summary",
        {"website_id": str(dataset.pk), "compare": "previous_period"},
        HTTP_ACCEPT="text/csv",
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["metric", "value", "previous", "change_pct"],
        ["visits", "8", "1", "700.0"],
        ["unique_visitors", "7", "1", "600.0"],
        ["pageviews", "15", "2", "650.0"],
        ["bounce_rate", "37.5", "0.0", ""],
        # A negative number is a number, not a formula: it is left alone.
        ["avg_session_duration_sec", "529", "600", "-11.83"],
    ]


@pytest.mark.parametrize(
    ("name", "query", "header", "first_row"),
    [
        ("summary", {}, ["metric", "value", "previous", "change_pct"], ["visits", "8", "", ""]),
        ("sources", {}, ["channel", "visits"], ["Direct", "2"]),
        ("sources", {"group_by": "domain"}, ["referrer", "visits"], ["google.com", "2"]),
        ("devices", {}, ["deviceType", "visits"], ["desktop", "4"]),
        ("flow", {}, ["path", "entries"], ["/blog/a", "3"]),
        (
            "funnel",
            {"steps": ["/pricing", "/signup"]},
            ["step", "sessions", "conversion_rate"],
            ["/pricing", "4", "100"],
        ),
        ("realtime", {}, ["path", "visitors"], ["/", "2"]),
        ("custom-events", {}, ["name", "count"], ["signup_complete", "3"]),
        ("timeseries", {}, ["date", "value"], ["2026-03-04", "0"]),
    ],
)
def test_csv_columns_of_every_report(tenant, dataset, name, query, header, first_row):
    response, rows = csv_get(tenant, name, dataset, **query)

    assert rows[0] == header
    assert rows[1] == first_row
    assert response["Content-Disposition"].startswith(f'attachment; filename="{name}-example.com-')


def test_csv_exports_the_whole_lists(tenant, dataset):
    _, flow = csv_get(tenant, "flow", dataset, per_page=1)
    assert len(flow) == 1 + 4  # every landing page, no exit pages
    _, series = csv_get(tenant, "timeseries", dataset, period="30d")
    assert len(series) == 1 + 30
    _, realtime = csv_get(tenant, "realtime", dataset)
    assert realtime == [["path", "visitors"], ["/", "2"], ["/blog/a", "1"]]


def test_csv_neutralises_formulas(tenant, dataset):
    _, rows = csv_get(tenant, "sources", dataset, group_by="utm")

    assert rows == [
        ["utmSource", "utmMedium", "utmCampaign", "visits"],
        ["'=HYPERLINK(1)", "", "", "1"],
        ["newsletter", "email", "march", "1"],
    ]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_evaluate_are_quoted(text):
    assert csv_cell(text) == "'" + text
    assert csv_cell("/" + text) == "/" + text
    assert csv_cell(-1.5) == -1.5
    assert csv_cell(None) == ""


def test_csv_errors_answer_the_json_envelope(tenant, other_tenant, dataset):
    missing = tenant.client.get(f"{BASE}pages", {"format": "csv"})
    assert missing.status_code == 400
    assert missing["Content-Type"] == "application/json"
    assert missing.json()["error"]["code"] == "INVALID_PAYLOAD"

    hidden = other_tenant.client.get(
        f"{BASE}pages", {"website_id": str(dataset.pk)}, HTTP_ACCEPT="text/csv"
    )
    assert hidden.status_code == 404
    assert hidden["Content-Type"] == "application/json"
    assert hidden.json()["error"]["code"] == "NOT_FOUND"


# --- Query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "required"), REPORTS)
def test_each_report_is_one_query(tenant, dataset, django_assert_max_num_queries, name, required):
    # The API key's user, the website, the aggregated days (period reports), the report.
    with django_assert_max_num_queries(4):
        assert report_get(tenant, name, dataset, **required).status_code == 200
    with django_assert_max_num_queries(4):
        query = {"compare": "yoy", "content_group": "Blog", "include_bots": "true"}
        assert report_get(tenant, name, dataset, **required, **query).status_code == 200


def test_period_all_adds_the_first_event_query(tenant, dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert report_get(tenant, "summary", dataset, period="all").status_code == 200
