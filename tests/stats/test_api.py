"""`POST /api/v1/query` and `GET /api/v1/query/schema`: shape, tenancy, batches, CSV, refusals."""

import csv
import io

import pytest

from tests.envelope import assert_error, success_data
from tests.reports.factories import event_build, events_insert

pytestmark = pytest.mark.django_db

URL = "/api/v1/query"


@pytest.fixture
def traffic(website):
    """Two visits from Google (one on /=cmd, a bounce), one direct visit of two pages."""
    google = {"referrer_channel": 2, "referrer_domain": "google.com"}
    return events_insert(
        [
            event_build(website, "2026-11-02 10:00:00", 1, path="/=cmd", **google),
            event_build(website, "2026-11-02 11:00:00", 2, path="/", **google),
            event_build(website, "2026-11-02 11:01:00", 2, path="/a", **google),
            event_build(website, "2026-11-02 12:00:00", 3, path="/"),
        ]
    )


def body(website, **fields) -> dict:
    return {
        "website_id": str(website.pk),
        "date_range": ["2026-11-01", "2026-11-03"],
        "metrics": ["visits", "pageviews", "bounce_rate"],
        **fields,
    }


def post(caller, payload, **query):
    url = URL + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return caller.client.post(url, payload, format="json")


def test_a_breakdown_by_source(tenant, website, traffic):
    data = success_data(post(tenant, body(website, dimensions=["visit:source"])))
    assert data["results"] == [
        {"dimensions": ["google.com"], "metrics": [2, 3, 50.0]},
        {"dimensions": [None], "metrics": [1, 1, 100.0]},
    ]
    assert data["meta"] == {"total_rows": 2, "time_labels": []}
    assert data["query"]["date_range"] == ["2026-11-01", "2026-11-03"]
    assert data["query"]["dimensions"] == ["visit:source"]


def test_filters_by_day_with_labels_and_a_comparison(tenant, website, traffic):
    payload = body(
        website,
        metrics=["visits"],
        dimensions=["time:day"],
        filters=[["is", "visit:channel", ["organic search"], {"case_sensitive": False}]],
        compare="previous_period",
    )
    data = success_data(post(tenant, payload))
    assert data["meta"]["time_labels"] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert data["results"] == [
        {
            "dimensions": ["2026-11-02"],
            "metrics": [2],
            "comparison": {"metrics": [0], "change": [None]},
        }
    ]


def test_another_accounts_website_is_404(other_tenant, website, traffic):
    assert_error(post(other_tenant, body(website)), 404, "NOT_FOUND")


def test_a_key_is_required(anonymous, website):
    assert_error(anonymous.post(URL, body(website), format="json"), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"filters": [["is", "visit:colour", ["red"]]]},
            'filters[0][1]: unknown dimension "visit:colour"',
        ),
        ({"metrics": []}, "metrics"),
        ({"dimensions": ["time:hour"], "date_range": "90d"}, "dimensions[0]"),
        ({"pagination": {"limit": 10**9}}, "pagination.limit"),
        ({"filters": [["matches", "event:page", ["("]]]}, "filters"),
        ({"website_id": "nope"}, "website_id"),
        ({"filters": [["contains", "event:page", [None]]]}, "filters[0][2][0]"),
    ],
)
def test_an_invalid_query_is_400_naming_its_part(tenant, website, traffic, fields, message):
    assert_error(post(tenant, body(website, **fields)), 400, "INVALID_PAYLOAD", mentions=message)


@pytest.mark.parametrize("payload", ["a string", 12, None, [], [1], {"website_id": None}])
def test_a_body_that_is_no_query_is_400(tenant, payload):
    assert_error(post(tenant, payload), 400, "INVALID_PAYLOAD")


def test_a_batch_answers_each_item_on_its_own(tenant, other_tenant, website, traffic):
    others = success_data(
        other_tenant.client.post("/api/v1/websites", {"domain": "b.example"}, format="json"), 201
    )
    payload = [
        {**body(website, metrics=["visits"]), "id": "ok"},
        {**body(website, metrics=["colour"]), "id": "bad"},
        {**body(website, metrics=["visits"], website_id=others["id"]), "id": "theirs"},
        {
            **body(website, metrics=["visits"], filters=[["matches", "event:page", ["("]]]),
            "id": "re",
        },
        {**body(website, metrics=["pageviews"]), "id": "after"},
    ]
    data = success_data(post(tenant, payload))
    assert [item["id"] for item in data] == ["ok", "bad", "theirs", "re", "after"]
    assert data[0]["data"]["results"] == [{"dimensions": [], "metrics": [3]}]
    assert data[1]["error"]["code"] == "INVALID_PAYLOAD"
    assert data[1]["error"]["message"].startswith("[1].metrics[0]")
    assert data[2]["error"]["code"] == "NOT_FOUND"
    assert data[3]["error"]["code"] == "INVALID_PAYLOAD"
    assert data[4]["data"]["results"] == [{"dimensions": [], "metrics": [4]}]


@pytest.mark.parametrize(
    "payload",
    [
        [{"metrics": ["visits"]}] * 11,
        [{"id": "a"}, {"id": "a"}],
        [{"no": "id"}],
    ],
)
def test_a_malformed_batch_is_400(tenant, payload):
    assert_error(post(tenant, payload), 400, "INVALID_PAYLOAD")


def test_csv_streams_every_row_with_one_column_per_dimension_and_metric(tenant, website, traffic):
    payload = body(website, dimensions=["event:page"], pagination={"limit": 1})
    response = post(tenant, payload, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="query-example.com-2026-11-01-2026-11-03.csv"' in response["Content-Disposition"]
    )
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == ["event:page", "visits", "pageviews", "bounce_rate"]
    assert lines[1:] == [
        ["/", "2", "2", "50.0"],
        ["/=cmd", "1", "1", "100.0"],
        ["/a", "1", "1", "0.0"],
    ]


def test_the_schema_lists_every_dimension_metric_and_operator(tenant):
    data = success_data(tenant.client.get(URL + "/schema"))
    names = {dimension["name"] for dimension in data["dimensions"]}
    assert {"event:page", "visit:utm_term", "visit:country", "time:hour"} <= names
    assert [metric["name"] for metric in data["metrics"]] == [
        "visitors",
        "visits",
        "pageviews",
        "views_per_visit",
        "bounce_rate",
        "visit_duration",
        "events",
    ]
    assert "matches_not" in data["operators"]
    assert data["query_schema"]["type"] == "object"


# --- GET /api/v1/reports/filter-values --------------------------------------------------------


def filter_values(caller, website, **params):
    days = {"start_date": "2026-11-01", "end_date": "2026-11-03"}
    query = {"website_id": str(website.pk), **days, **params}
    return caller.client.get("/api/v1/reports/filter-values", query)


@pytest.mark.parametrize(
    ("params", "rows"),
    [
        (
            {"dimension": "event:page"},
            [
                {"value": "/", "visitors": 2},
                {"value": "/=cmd", "visitors": 1},
                {"value": "/a", "visitors": 1},
            ],
        ),
        ({"dimension": "event:page", "search": "A"}, [{"value": "/a", "visitors": 1}]),
        (
            {"dimension": "visit:source"},
            [{"value": "google.com", "visitors": 2}, {"value": None, "visitors": 1}],
        ),
    ],
)
def test_filter_values_most_visitors_first(tenant, website, traffic, params, rows):
    data = success_data(filter_values(tenant, website, **params))
    assert data["rows"] == rows
    assert data["dimension"] == params["dimension"]


@pytest.mark.parametrize("dimension", ["visit:colour", "time:day", "", "event:props:" + "k" * 65])
def test_filter_values_of_no_dimension_is_400(tenant, website, dimension):
    response = filter_values(tenant, website, dimension=dimension)
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="dimension")


@pytest.mark.parametrize("search", ["a\x00b", "tab\there", "x" * 101])
def test_filter_values_refuses_a_search_it_cannot_hold(tenant, website, traffic, search):
    response = filter_values(tenant, website, dimension="event:page", search=search)
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="search")
    # Nothing else is disturbed: the same request with a plain search still answers.
    assert success_data(filter_values(tenant, website, dimension="event:page", search="a"))


def test_filter_values_of_another_accounts_website_is_404(other_tenant, website):
    response = filter_values(other_tenant, website, dimension="event:page")
    assert_error(response, 404, "NOT_FOUND")
