"""The schema document and the JSON Schema of a query body agree with the parser."""

import pytest
from jsonschema import Draft202012Validator

from stats.dimensions import DIMENSIONS
from stats.metrics import METRICS
from stats.query import QueryError, query_parse
from stats.schema import query_json_schema, schema_document
from tests.stats.test_query_parse import BODY, REFUSALS, body, leaf, nested

VALIDATOR = Draft202012Validator(query_json_schema())

# Refusals that JSON Schema cannot state, by their message: the parser alone makes them.
PARSER_ONLY = (
    "must be a date YYYY-MM-DD",  # checked again below: only impossible dates are parser-only
    "must not be after the end",
    "less than 5 years",
    "must be before 9999-12-31",
    "at most one time dimension",
    "nest at most",
    "conditions in all filters",
    "must be a requested metric",
    "orders by at most",
    "already ordered by",
    "control characters",
)
IMPOSSIBLE_DATES = ("2026-02-30", "0000-01-01")


def parser_only(value: dict, error: QueryError) -> bool:
    if "must be a date" in error.message:
        return any(day in IMPOSSIBLE_DATES for day in value["date_range"])
    # Python's "$" matches before a final newline, ECMA's (the schema's) does not.
    return any(part in error.message for part in PARSER_ONLY) or value.get("dimensions") == [
        "event:props:a\n"
    ]


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(query_json_schema())


@pytest.mark.parametrize(
    "value",
    [
        BODY,
        body(
            date_range=["2026-11-01", "2026-11-30"],
            metrics=list(METRICS),
            dimensions=["visit:source", "time:day", "event:props:plan"],
            filters=[
                ["is", "visit:device", ["mobile"]],
                ["is_not", "visit:source", [None]],
                ["contains", "event:page", ["/blog"], {"case_sensitive": False}],
                ["matches", "event:props:plan", ["^pro$"], {}],
                ["or", [leaf(), ["not", ["is", "visit:channel", ["Direct"]]]]],
                nested(5),
            ],
            order_by=[["visitors", "desc"], ["time:day", "asc"]],
            pagination={"limit": 10_000, "offset": 0},
            compare=None,
            include_bots=True,
            id="a",
        ),
    ],
)
def test_what_the_parser_accepts_the_schema_accepts(value):
    query_parse(value)
    assert VALIDATOR.is_valid(value)


@pytest.mark.parametrize(("fields", "path", "message"), REFUSALS)
def test_what_the_schema_can_state_it_refuses_too(fields, path, message):
    value = body(**fields)
    with pytest.raises(QueryError) as caught:
        query_parse(value)
    assert VALIDATOR.is_valid(value) == parser_only(value, caught.value), (path, message)


def test_the_document_lists_every_registered_name():
    document = schema_document()
    assert set(document) == {
        "dimensions",
        "metrics",
        "operators",
        "periods",
        "intervals",
        "compare",
        "query_schema",
    }
    names = [dimension["name"] for dimension in document["dimensions"]]
    assert names == [*DIMENSIONS, "event:props:<key>"]
    assert [metric["name"] for metric in document["metrics"]] == [
        "visitors",
        "visits",
        "pageviews",
        "views_per_visit",
        "bounce_rate",
        "visit_duration",
        "events",
    ]
    assert document["operators"] == [
        "is",
        "is_not",
        "contains",
        "contains_not",
        "matches",
        "matches_not",
        "and",
        "or",
        "not",
    ]
    assert document["intervals"] == ["hour", "day", "week", "month"]
    assert document["compare"] == ["previous_period", "yoy"]
    assert "12m" in document["periods"]
    by_name = {dimension["name"]: dimension for dimension in document["dimensions"]}
    assert by_name["visit:device"]["values"] == ["desktop", "mobile", "tablet", "bot", "other"]
    assert by_name["visit:screen"]["values"][0] == "unknown"
    assert by_name["time:hour"]["type"] == "datetime"
    assert by_name["time:week"]["type"] == "date"
    assert by_name["event:page"] == {
        "name": "event:page",
        "level": "event",
        "type": "string",
        "description": DIMENSIONS["event:page"].description,
    }
    for metric in document["metrics"]:
        assert set(metric) == {"name", "type", "description"}
        assert metric["type"] == METRICS[metric["name"]].type
