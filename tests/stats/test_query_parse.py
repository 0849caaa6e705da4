"""A query body checked once: every refusal names the part at fault by its exact path."""

from datetime import date
from uuid import UUID

import pytest

from stats.dimensions import DIMENSIONS, dimension_get
from stats.filters import And, Leaf, Not, Or, filter_as_json, filters_parse
from stats.metrics import METRICS
from stats.query import Query, QueryError, QueryInput, query_build, query_parse
from stats.time import DateRange

WEBSITE = "7b0e7f4c-3a5e-4c1e-9d55-2f6f0c1d8a10"
BODY = {"website_id": WEBSITE, "date_range": "30d", "metrics": ["visitors"]}
TODAY = date(2026, 11, 15)


def body(**fields) -> dict:
    return {**BODY, **fields}


def leaf(value: str = "DE", dimension: str = "visit:country") -> list:
    return ["is", dimension, [value]]


def nested(depth: int) -> list:
    """A leaf under `depth - 1` nots: a filter `depth` deep."""
    node = leaf()
    for _ in range(depth - 1):
        node = ["not", node]
    return node


def refusal(value: object, **kwargs) -> QueryError:
    with pytest.raises(QueryError) as caught:
        query_parse(value, **kwargs)
    return caught.value


def build(value: dict, *, timezone: str = "UTC", first_day: date | None = None) -> Query:
    return query_build(query_parse(value), timezone=timezone, today=TODAY, first_day=first_day)


def build_refusal(value: dict, *, timezone: str = "UTC", path_prefix: str = "") -> QueryError:
    parsed = query_parse(value, path_prefix=path_prefix)
    with pytest.raises(QueryError) as caught:
        query_build(parsed, timezone=timezone, today=TODAY, first_day=None)
    return caught.value


# --- what is accepted ---------------------------------------------------------------------------


def test_the_smallest_body_gets_every_default():
    parsed = query_parse(BODY)
    assert parsed == QueryInput(
        website_id=UUID(WEBSITE), date_range="30d", metrics=(METRICS["visitors"],)
    )
    assert (parsed.limit, parsed.offset, parsed.compare, parsed.include_bots) == (
        100,
        0,
        None,
        False,
    )


def test_an_integral_float_is_an_integer():
    parsed = query_parse(body(pagination={"limit": 100.0, "offset": 1e6}))
    assert (parsed.limit, parsed.offset) == (100, 1_000_000)
    assert type(parsed.limit) is int


def test_the_issues_example_is_accepted_and_normalised():
    value = {
        "website_id": WEBSITE,
        "date_range": ["2026-11-01", "2026-11-30"],
        "metrics": list(METRICS),
        "dimensions": ["visit:source", "time:day"],
        "filters": [
            ["is", "visit:device", ["mobile"]],
            ["contains", "event:page", ["/blog"], {"case_sensitive": False}],
            [
                "or",
                [["is", "visit:country", ["DE"]], ["not", ["is", "visit:channel", ["Direct"]]]],
            ],
        ],
        "order_by": [["visitors", "desc"]],
        "pagination": {"limit": 100, "offset": 0},
        "compare": "previous_period",
        "include_bots": False,
    }
    query = build(value, timezone="America/New_York")
    assert query.interval == "day"
    assert query.period is None
    assert query.comparison == DateRange(date(2026, 10, 2), date(2026, 10, 31))
    assert query.as_json() == {
        "website_id": WEBSITE,
        "timezone": "America/New_York",
        "date_range": ["2026-11-01", "2026-11-30"],
        "period": None,
        "metrics": list(METRICS),
        "dimensions": ["visit:source", "time:day"],
        "filters": [
            ["is", "visit:device", ["mobile"], {"case_sensitive": True}],
            ["contains", "event:page", ["/blog"], {"case_sensitive": False}],
            [
                "or",
                [
                    ["is", "visit:country", ["DE"], {"case_sensitive": True}],
                    ["not", ["is", "visit:channel", ["Direct"], {"case_sensitive": True}]],
                ],
            ],
        ],
        "order_by": [["visitors", "desc"]],
        "pagination": {"limit": 100, "offset": 0},
        "compare": "previous_period",
        "comparison_date_range": ["2026-10-02", "2026-10-31"],
        "include_bots": False,
    }


def test_filters_parse_into_immutable_nodes():
    parsed = filters_parse(
        [
            ["is_not", "visit:source", [None, "google.com"]],
            ["matches", "event:props:plan.tier", ["^pro"], {}],
            ["and", [leaf(), ["not", leaf("FR")]]],
            ["or", [leaf()]],
        ]
    )
    assert parsed == (
        Leaf("is_not", DIMENSIONS["visit:source"], (None, "google.com"), True),
        Leaf("matches", dimension_get("event:props:plan.tier"), ("^pro",), True),
        And(
            (
                Leaf("is", DIMENSIONS["visit:country"], ("DE",), True),
                Not(Leaf("is", DIMENSIONS["visit:country"], ("FR",), True)),
            )
        ),
        Or((Leaf("is", DIMENSIONS["visit:country"], ("DE",), True),)),
    )
    assert parsed[1].dimension.prop_key == "plan.tier"
    assert parsed[1].dimension.column == "properties"
    again = filters_parse([filter_as_json(node) for node in parsed])
    assert again == parsed


@pytest.mark.parametrize(
    "value",
    [
        # The limits themselves are accepted.
        {"filters": [leaf()] * 20},
        {"filters": [nested(5)]},
        {"filters": [["or", [leaf()] * 20], ["or", [leaf()] * 20], ["or", [leaf()] * 10]]},
        {"filters": [["is", "visit:country", ["x"] * 100]]},
        {"filters": [["contains", "event:page", ["/" * 1024]]]},
        {"filters": [["matches", "event:page", ["a" * 256]]]},
        {"filters": [["is", "event:name", [""]]]},
        {"filters": [["is", "event:page", ["/ünïcödé/😀"]]]},
        {"dimensions": ["event:props:" + "k" * 64, "visit:source", "time:hour"]},
        {"date_range": ["2021-11-16", "2026-11-15"]},
        {"date_range": ["9999-12-30", "9999-12-30"]},
        {"date_range": ["0001-01-01", "0001-01-01"]},
        {"pagination": {"limit": 10_000, "offset": 1_000_000}},
        {"pagination": {"limit": 1}},
        {"pagination": {"limit": 100.0, "offset": 1e6}},
        {"pagination": {}},
        {"metrics": list(reversed(METRICS))},
        {"order_by": []},
        {"compare": None},
        {"compare": "yoy", "include_bots": True},
        {"id": "x" * 64},
        {"website_id": WEBSITE.upper()},
    ],
)
def test_bodies_at_the_limits_are_accepted(value):
    query_parse(body(**value))


# --- what is refused, and where -----------------------------------------------------------------

LONG = "x" * 2000

REFUSALS = [
    # The body itself
    ({"unknown": 1}, "query", 'unknown field "unknown"'),
    ({"period": "30d"}, "query", 'unknown field "period"'),
    ({LONG: 1}, "query", 'unknown field "' + "x" * 64 + '..."'),
    # website_id
    ({"website_id": None}, "website_id", "must be a website id"),
    ({"website_id": 123}, "website_id", "must be a website id"),
    ({"website_id": "not-a-uuid"}, "website_id", "must be a website id"),
    ({"website_id": WEBSITE.replace("-", "")}, "website_id", "must be a website id"),
    ({"website_id": WEBSITE + "\n"}, "website_id", "must be a website id"),
    ({"website_id": "{" + WEBSITE + "}"}, "website_id", "must be a website id"),
    ({"website_id": {"$ne": ""}}, "website_id", "must be a website id"),
    ({"website_id": [WEBSITE]}, "website_id", "must be a website id"),
    # date_range
    ({"date_range": "6w"}, "date_range", 'unknown period "6w"'),
    ({"date_range": "30D"}, "date_range", "unknown period"),
    ({"date_range": 30}, "date_range", "must be a period name or"),
    ({"date_range": None}, "date_range", "must be a period name or"),
    ({"date_range": {"start": "2026-01-01"}}, "date_range", "must be a period name or"),
    ({"date_range": []}, "date_range", "must be a period name or"),
    ({"date_range": ["2026-01-01"]}, "date_range", "must be a period name or"),
    ({"date_range": ["2026-01-01"] * 3}, "date_range", "must be a period name or"),
    ({"date_range": ["2026-02-30", "2026-03-01"]}, "date_range[0]", "must be a date YYYY-MM-DD"),
    ({"date_range": ["2026-1-1", "2026-03-01"]}, "date_range[0]", "must be a date"),
    ({"date_range": ["20260101", "2026-03-01"]}, "date_range[0]", "must be a date"),
    ({"date_range": ["2026-01-01\n", "2026-03-01"]}, "date_range[0]", "must be a date"),
    (
        {"date_range": ["\uff12\uff10\uff12\uff16-01-01", "2026-03-01"]},
        "date_range[0]",
        "must be a date",
    ),
    ({"date_range": ["0000-01-01", "2026-03-01"]}, "date_range[0]", "must be a date"),
    ({"date_range": ["2026-W01-1", "2026-03-01"]}, "date_range[0]", "must be a date"),
    ({"date_range": ["2026-01-01", 20260301]}, "date_range[1]", "must be a date"),
    ({"date_range": ["2026-01-01", None]}, "date_range[1]", "must be a date"),
    ({"date_range": ["2026-01-01", "2026-01-01T00:00"]}, "date_range[1]", "must be a date"),
    ({"date_range": ["2026-03-02", "2026-03-01"]}, "date_range", "must not be after the end"),
    ({"date_range": ["2021-11-15", "2026-11-15"]}, "date_range", "less than 5 years"),
    ({"date_range": ["0001-01-01", "9999-12-30"]}, "date_range", "less than 5 years"),
    ({"date_range": ["9999-12-30", "9999-12-31"]}, "date_range[1]", "must be before 9999-12-31"),
    # metrics
    ({"metrics": []}, "metrics", "must be a non-empty list"),
    ({"metrics": "visitors"}, "metrics", "must be a non-empty list"),
    ({"metrics": None}, "metrics", "must be a non-empty list"),
    ({"metrics": {"visitors": True}}, "metrics", "must be a non-empty list"),
    ({"metrics": [1]}, "metrics[0]", "must be a metric name"),
    ({"metrics": [["visits"]]}, "metrics[0]", "must be a metric name"),
    ({"metrics": ["visits", None]}, "metrics[1]", "must be a metric name"),
    ({"metrics": ["visitors", "colour"]}, "metrics[1]", 'unknown metric "colour"'),
    ({"metrics": ["Visitors"]}, "metrics[0]", 'unknown metric "Visitors"'),
    ({"metrics": ["visits", "pageviews", "visits"]}, "metrics[2]", 'duplicate metric "visits"'),
    ({"metrics": ["visits"] * 1_000_000}, "metrics[1]", "duplicate metric"),
    # dimensions
    ({"dimensions": "visit:source"}, "dimensions", "must be a list of at most 3"),
    ({"dimensions": None}, "dimensions", "must be a list of at most 3"),
    (
        {"dimensions": ["visit:source", "visit:os", "visit:browser", "visit:country"]},
        "dimensions",
        "must be a list of at most 3",
    ),
    ({"dimensions": [None]}, "dimensions[0]", "must be a dimension name"),
    ({"dimensions": ["visit:colour"]}, "dimensions[0]", 'unknown dimension "visit:colour"'),
    ({"dimensions": ["visit:source", "source"]}, "dimensions[1]", 'unknown dimension "source"'),
    ({"dimensions": ["event:props:"]}, "dimensions[0]", "unknown dimension"),
    ({"dimensions": ["event:props:" + "k" * 65]}, "dimensions[0]", "unknown dimension"),
    ({"dimensions": ["event:props:a b"]}, "dimensions[0]", "unknown dimension"),
    ({"dimensions": ["event:props:ключ"]}, "dimensions[0]", "unknown dimension"),
    ({"dimensions": ["event:props:a\n"]}, "dimensions[0]", "unknown dimension"),
    ({"dimensions": ["event:props"]}, "dimensions[0]", "unknown dimension"),
    ({"dimensions": ["time:day", "time:week"]}, "dimensions[1]", "at most one time dimension"),
    ({"dimensions": ["time:day", "time:day"]}, "dimensions[1]", 'duplicate dimension "time:day"'),
    (
        {"dimensions": ["event:props:a", "visit:os", "event:props:a"]},
        "dimensions[2]",
        "duplicate dimension",
    ),
    # filters: the list
    ({"filters": None}, "filters", "must be a list of at most 20 filters"),
    ({"filters": {"is": "DE"}}, "filters", "must be a list of at most 20 filters"),
    ({"filters": leaf()}, "filters[0]", "must be a filter"),
    ({"filters": [leaf()] * 21}, "filters", "must be a list of at most 20 filters"),
    # filters: a leaf
    ({"filters": [[]]}, "filters[0]", "must be a filter"),
    ({"filters": [None]}, "filters[0]", "must be a filter"),
    ({"filters": [{"op": "is"}]}, "filters[0]", "must be a filter"),
    ({"filters": [[1, "visit:country", ["DE"]]]}, "filters[0][0]", "must be an operator name"),
    (
        {"filters": [["equals", "visit:country", ["DE"]]]},
        "filters[0][0]",
        'unknown operator "equals"',
    ),
    ({"filters": [["IS", "visit:country", ["DE"]]]}, "filters[0][0]", "unknown operator"),
    ({"filters": [["is"]]}, "filters[0]", 'must be ["is", dimension, values]'),
    ({"filters": [["is", "visit:country"]]}, "filters[0]", "must be"),
    ({"filters": [[*leaf(), {}, {}]]}, "filters[0]", "must be"),
    ({"filters": [["is", 5, ["DE"]]]}, "filters[0][1]", "must be a dimension name"),
    ({"filters": [["is", None, ["DE"]]]}, "filters[0][1]", "must be a dimension name"),
    ({"filters": [["is", "time:day", ["2026-11-01"]]]}, "filters[0][1]", "time dimensions cannot"),
    ({"filters": [["is", "time:hour", ["x"]]]}, "filters[0][1]", "time dimensions cannot"),
    ({"filters": [["is", "event:props:", ["x"]]]}, "filters[0][1]", "unknown dimension"),
    ({"filters": [["is", "visit:country", "DE"]]}, "filters[0][2]", "must be a list of 1 to 100"),
    ({"filters": [["is", "visit:country", []]]}, "filters[0][2]", "must be a list of 1 to 100"),
    ({"filters": [["is", "visit:country", None]]}, "filters[0][2]", "must be a list of 1 to 100"),
    ({"filters": [["is", "visit:country", ["x"] * 101]]}, "filters[0][2]", "1 to 100"),
    ({"filters": [["is", "visit:country", ["DE", 5]]]}, "filters[0][2][1]", "must be a string"),
    ({"filters": [["is", "visit:country", [True]]]}, "filters[0][2][0]", "must be a string"),
    ({"filters": [["is", "visit:country", [["DE"]]]]}, "filters[0][2][0]", "must be a string"),
    ({"filters": [["contains", "event:page", [None]]]}, "filters[0][2][0]", "only with is or"),
    ({"filters": [["contains_not", "visit:source", ["a", None]]]}, "filters[0][2][1]", "null"),
    ({"filters": [["matches", "visit:source", [None]]]}, "filters[0][2][0]", "null"),
    ({"filters": [["matches_not", "visit:source", [None]]]}, "filters[0][2][0]", "null"),
    ({"filters": [["is", "event:page", ["/" * 1025]]]}, "filters[0][2][0]", "at most 1024"),
    ({"filters": [["contains", "event:page", ["/" * 1025]]]}, "filters[0][2][0]", "at most 1024"),
    ({"filters": [["matches", "event:page", ["a" * 257]]]}, "filters[0][2][0]", "at most 256"),
    ({"filters": [["matches_not", "event:page", ["a" * 257]]]}, "filters[0][2][0]", "at most 256"),
    ({"filters": [["is", "event:page", ["/a\x00"]]]}, "filters[0][2][0]", "control characters"),
    ({"filters": [["is", "event:page", ["/a\nb"]]]}, "filters[0][2][0]", "control characters"),
    ({"filters": [["is", "event:page", ["/\ud800"]]]}, "filters[0][2][0]", "invalid Unicode"),
    ({"filters": [[*leaf(), {"case_sensitive": "no"}]]}, "filters[0][3].case_sensitive", "true or"),
    ({"filters": [[*leaf(), {"case_sensitive": 0}]]}, "filters[0][3].case_sensitive", "true or"),
    ({"filters": [[*leaf(), {"case_sensitive": None}]]}, "filters[0][3].case_sensitive", "true"),
    ({"filters": [[*leaf(), {"case": False}]]}, "filters[0][3]", 'unknown option "case"'),
    ({"filters": [[*leaf(), []]]}, "filters[0][3]", "must be an object"),
    ({"filters": [[*leaf(), False]]}, "filters[0][3]", "must be an object"),
    # filters: compounds
    ({"filters": [["and"]]}, "filters[0]", 'must be ["and", [filters]]'),
    ({"filters": [["or", [leaf()], [leaf()]]]}, "filters[0]", 'must be ["or", [filters]]'),
    ({"filters": [["and", []]]}, "filters[0][1]", "must be a list of 1 to 20 filters"),
    ({"filters": [["and", leaf()]]}, "filters[0][1][0]", "must be a filter"),
    ({"filters": [["or", "x"]]}, "filters[0][1]", "must be a list of 1 to 20 filters"),
    ({"filters": [["or", [leaf()] * 21]]}, "filters[0][1]", "must be a list of 1 to 20 filters"),
    ({"filters": [["not"]]}, "filters[0]", 'must be ["not", filter]'),
    ({"filters": [["not", leaf(), leaf()]]}, "filters[0]", 'must be ["not", filter]'),
    ({"filters": [["not", [leaf()]]]}, "filters[0][1][0]", "must be an operator name"),
    ({"filters": [["not", "is"]]}, "filters[0][1]", "must be a filter"),
    (
        {"filters": [leaf(), ["is", "visit:colour", ["red"]]]},
        "filters[1][1]",
        'unknown dimension "visit:colour"',
    ),
    (
        {"filters": [["and", [leaf(), ["is", "visit:colour", ["red"]]]]]},
        "filters[0][1][1][1]",
        "unknown dimension",
    ),
    (
        {"filters": [leaf(), ["or", [leaf(), ["not", ["is", "visit:country", [5]]]]]]},
        "filters[1][1][1][1][2][0]",
        "must be a string",
    ),
    ({"filters": [nested(6)]}, "filters[0][1][1][1][1][1]", "filters nest at most 5 deep"),
    (
        {"filters": [["and", [["or", [["and", [["or", [["not", leaf()]]]]]]]]]]},
        "filters[0][1][0][1][0][1][0][1][0][1]",
        "filters nest at most 5 deep",
    ),
    (
        {"filters": [["or", [leaf()] * 20], ["or", [leaf()] * 20], ["or", [leaf()] * 11]]},
        "filters[2][1][10]",
        "at most 50 conditions",
    ),
    # order_by
    ({"order_by": "visitors"}, "order_by", "must be a list of [metric or dimension"),
    ({"order_by": {"visitors": "desc"}}, "order_by", "must be a list"),
    ({"order_by": [["visitors", "desc"]] * 2}, "order_by", "orders by at most the 1 metrics"),
    ({"order_by": ["visitors"]}, "order_by[0]", 'must be [metric or dimension, "asc" or "desc"]'),
    ({"order_by": [["visitors"]]}, "order_by[0]", "must be [metric or dimension"),
    ({"order_by": [["visitors", "desc", 1]]}, "order_by[0]", "must be [metric or dimension"),
    ({"order_by": [["pageviews", "desc"]]}, "order_by[0][0]", "must be a requested metric"),
    ({"order_by": [["visit:source", "asc"]]}, "order_by[0][0]", "must be a requested metric"),
    ({"order_by": [[None, "asc"]]}, "order_by[0][0]", "must be a metric or dimension name"),
    ({"order_by": [[["visitors"], "asc"]]}, "order_by[0][0]", "must be a metric or dimension"),
    (
        {
            "metrics": ["visitors", "visits"],
            "order_by": [["visitors", "desc"], ["visitors", "asc"]],
        },
        "order_by[1][0]",
        '"visitors" is already ordered by',
    ),
    ({"order_by": [["visitors", "up"]]}, "order_by[0][1]", 'must be "asc" or "desc"'),
    ({"order_by": [["visitors", "DESC"]]}, "order_by[0][1]", 'must be "asc" or "desc"'),
    ({"order_by": [["visitors", None]]}, "order_by[0][1]", 'must be "asc" or "desc"'),
    ({"order_by": [["visitors", ["asc"]]]}, "order_by[0][1]", 'must be "asc" or "desc"'),
    # pagination
    ({"pagination": []}, "pagination", "must be an object"),
    ({"pagination": 100}, "pagination", "must be an object"),
    ({"pagination": {"page": 2}}, "pagination", 'unknown field "page"'),
    ({"pagination": {"limit": 0}}, "pagination.limit", "must be an integer from 1 to 10000"),
    ({"pagination": {"limit": 10_001}}, "pagination.limit", "from 1 to 10000"),
    ({"pagination": {"limit": -1}}, "pagination.limit", "from 1 to 10000"),
    ({"pagination": {"limit": 10**100}}, "pagination.limit", "from 1 to 10000"),
    ({"pagination": {"limit": True}}, "pagination.limit", "must be an integer"),
    ({"pagination": {"limit": 1.5}}, "pagination.limit", "must be an integer"),
    ({"pagination": {"limit": "100"}}, "pagination.limit", "must be an integer"),
    ({"pagination": {"limit": None}}, "pagination.limit", "must be an integer"),
    ({"pagination": {"limit": float("nan")}}, "pagination.limit", "must be an integer"),
    ({"pagination": {"limit": float("inf")}}, "pagination.limit", "must be an integer"),
    ({"pagination": {"limit": 1e300}}, "pagination.limit", "from 1 to 10000"),
    ({"pagination": {"offset": -1}}, "pagination.offset", "from 0 to 1000000"),
    ({"pagination": {"offset": 1_000_001}}, "pagination.offset", "from 0 to 1000000"),
    ({"pagination": {"offset": False}}, "pagination.offset", "must be an integer"),
    # compare, include_bots, id
    ({"compare": "wow"}, "compare", "must be null or one of previous_period, yoy"),
    ({"compare": True}, "compare", "must be null or one of"),
    ({"compare": ["yoy"]}, "compare", "must be null or one of"),
    ({"compare": {"yoy": 1}}, "compare", "must be null or one of"),
    ({"include_bots": "true"}, "include_bots", "must be true or false"),
    ({"include_bots": 1}, "include_bots", "must be true or false"),
    ({"include_bots": None}, "include_bots", "must be true or false"),
    ({"id": ""}, "id", "must be a string of 1 to 64 characters"),
    ({"id": "x" * 65}, "id", "must be a string of 1 to 64"),
    ({"id": 5}, "id", "must be a string of 1 to 64"),
    ({"id": None}, "id", "must be a string of 1 to 64"),
    ({"id": "a\x00b"}, "id", "must not contain control characters"),
]


@pytest.mark.parametrize(("fields", "path", "message"), REFUSALS)
def test_a_hostile_body_is_refused_at_its_fault(fields, path, message):
    error = refusal(body(**fields))
    assert error.path == path
    assert message in error.message
    assert str(error) == f"{path}: {error.message}"


def test_the_issues_example_error_reads_as_documented():
    error = refusal(body(filters=[leaf(), ["is", "visit:colour", ["red"]]]))
    assert str(error) == 'filters[1][1]: unknown dimension "visit:colour"'


@pytest.mark.parametrize("value", [None, [], "query", 1, True, [BODY]])
def test_a_body_must_be_an_object(value):
    assert refusal(value).path == "query"
    assert refusal(value, path_prefix="[2]").path == "[2]"


@pytest.mark.parametrize("field", ["website_id", "date_range", "metrics"])
def test_required_fields(field):
    value = {key: item for key, item in BODY.items() if key != field}
    error = refusal(value)
    assert (error.path, error.message) == (field, "required")


def test_the_first_fault_in_the_documented_order_is_named():
    error = refusal(
        body(metrics=["nope"], filters=[["is", "visit:colour", ["x"]]], pagination={"limit": 0})
    )
    assert error.path == "metrics[0]"
    error = refusal(body(pagination={"limit": 0}, compare="wow"))
    assert error.path == "pagination.limit"


def test_a_batch_item_is_named_by_its_prefix():
    error = refusal(body(filters=[leaf(), ["is", "visit:colour", ["x"]]]), path_prefix="[3]")
    assert str(error) == '[3].filters[1][1]: unknown dimension "visit:colour"'
    assert refusal(body(colour=1), path_prefix="[3]").path == "[3]"
    assert refusal(body(pagination={"limit": 0}), path_prefix="[3]").path == "[3].pagination.limit"
    assert query_parse(body(id="first"), path_prefix="[0]").id == "first"


def test_nesting_of_any_depth_is_refused_without_walking_it():
    node = leaf()
    for _ in range(100_000):
        node = ["not", node]
    error = refusal(body(filters=[node]))
    assert error.path == "filters[0]" + "[1]" * 5


def test_a_huge_unknown_name_is_shortened_and_escaped_in_the_message():
    error = refusal(body(dimensions=["visit:" + "\x01\ud800" * 1000]))
    assert error.path == "dimensions[0]"
    assert len(error.message) < 500
    assert error.message.isascii()
    assert error.message.isprintable()


# --- resolving for a website --------------------------------------------------------------------


def test_a_period_resolves_in_the_sites_days_and_is_kept():
    query = build(body(date_range="7d"), timezone="Asia/Kolkata")
    assert query.date_range == DateRange(date(2026, 11, 9), TODAY)
    assert query.period == "7d"
    assert query.as_json()["date_range"] == ["2026-11-09", "2026-11-15"]
    assert query.as_json()["period"] == "7d"
    assert query.tz.key == "Asia/Kolkata"
    query = build(body(date_range="all"), first_day=date(2025, 1, 1))
    assert query.date_range == DateRange(date(2025, 1, 1), TODAY)


def test_default_order_is_time_ascending_else_the_first_metric_descending():
    assert build(body(metrics=["visits", "visitors"])).order_by == (("visits", "desc"),)
    query = build(body(dimensions=["visit:source", "time:week"]))
    assert query.order_by == (("time:week", "asc"),)
    assert query.interval == "week"
    query = build(body(dimensions=["visit:source"], order_by=[["visit:source", "asc"]]))
    assert query.order_by == (("visit:source", "asc"),)
    assert query.interval is None


@pytest.mark.parametrize(
    ("date_range", "accepted"),
    [
        ("today", True),
        ("30d", True),
        (["2026-10-01", "2026-10-31"], True),
        (["2026-10-01", "2026-11-01"], False),
        ("90d", False),
        ("12m", False),
    ],
)
def test_hours_are_for_ranges_of_at_most_31_days(date_range, accepted):
    value = body(date_range=date_range, dimensions=["visit:source", "time:hour"])
    if accepted:
        assert build(value).interval == "hour"
    else:
        error = build_refusal(value)
        assert error.path == "dimensions[1]"
        assert "at most 31 days" in error.message
        assert build_refusal(value, path_prefix="[1]").path == "[1].dimensions[1]"


@pytest.mark.parametrize(
    ("compare", "date_range", "timezone"),
    [
        ("previous_period", ["0001-01-01", "0001-01-05"], "UTC"),
        ("yoy", ["0001-03-01", "0001-03-05"], "UTC"),
        # A day in year 1 exists, but its Tokyo midnight falls before the first datetime.
        ("yoy", ["0002-01-01", "0002-01-05"], "Asia/Tokyo"),
    ],
)
def test_a_comparison_before_year_one_is_refused(compare, date_range, timezone):
    error = build_refusal(body(date_range=date_range, compare=compare), timezone=timezone)
    assert error.path == "compare"
    assert "before 0001-01-01" in error.message


def test_a_range_whose_first_instant_precedes_year_one_is_refused():
    value = body(date_range=["0001-01-01", "0001-01-02"])
    assert build(value).date_range.start == date.min
    error = build_refusal(value, timezone="Asia/Tokyo")
    assert error.path == "date_range"


def test_comparisons_resolve():
    query = build(body(date_range=["2024-02-29", "2024-03-06"], compare="yoy"))
    assert query.comparison == DateRange(date(2023, 2, 28), date(2023, 3, 6))
    assert build(body()).comparison is None
    assert build(body()).as_json()["comparison_date_range"] is None
