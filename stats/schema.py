"""What a client can ask: the registries and the JSON Schema of a query body, for
`GET /api/v1/query/schema`. Built from the registries, so that it cannot drift from the parser.

The JSON Schema states every shape and bound that JSON Schema can; `query_parse` also checks
what it cannot (filter depth and leaf count, one time dimension, order_by naming the query's
own metrics and dimensions, date order and span, characters of values).
"""

from stats.dimensions import DIMENSIONS, PROP_KEY, PROPS_DESCRIPTION, PROPS_PREFIX, Dimension
from stats.filters import (
    COMPOUNDS,
    MAX_ITEMS,
    MAX_PATTERN_LENGTH,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    NULLABLE_OPERATORS,
    OPERATORS,
    PATTERN_OPERATORS,
)
from stats.metrics import METRICS
from stats.query import (
    DATE_TEXT,
    DEFAULT_LIMIT,
    DIRECTIONS,
    MAX_DIMENSIONS,
    MAX_ID_LENGTH,
    MAX_LIMIT,
    MAX_OFFSET,
    REQUIRED_FIELDS,
    UUID_TEXT,
)
from stats.time import COMPARES, INTERVALS, PERIODS

PROPS_NAME_PATTERN = f"^{PROPS_PREFIX}{PROP_KEY.pattern}$"


def schema_document() -> dict:
    """Every dimension, metric, operator, period, interval and comparison, and the body's
    JSON Schema."""
    return {
        "dimensions": [
            *(_dimension_document(dimension) for dimension in DIMENSIONS.values()),
            {
                "name": f"{PROPS_PREFIX}<key>",
                "level": "event",
                "type": "string",
                "description": PROPS_DESCRIPTION,
                "pattern": PROPS_NAME_PATTERN,
            },
        ],
        "metrics": [
            {"name": metric.name, "type": metric.type, "description": metric.description}
            for metric in METRICS.values()
        ],
        "operators": [*OPERATORS, *COMPOUNDS],
        "periods": list(PERIODS),
        "intervals": list(INTERVALS),
        "compare": list(COMPARES),
        "query_schema": query_json_schema(),
    }


def _dimension_document(dimension: Dimension) -> dict:
    """A dimension's entry; a coded one lists its values, a time one says what its labels are."""
    if dimension.level == "time":
        kind = "datetime" if dimension.column == "hour" else "date"
    else:
        kind = "string"
    document = {
        "name": dimension.name,
        "level": dimension.level,
        "type": kind,
        "description": dimension.description,
    }
    if dimension.labels:
        document["values"] = [label for _, label in dimension.labels]
    return document


def query_json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a query body."""
    filterable = [name for name, dimension in DIMENSIONS.items() if dimension.level != "time"]
    # The lengths also keep out a final newline, before which Python's "$" matches.
    date = {
        "type": "string",
        "pattern": f"^{DATE_TEXT.pattern}$",
        "minLength": 10,
        "maxLength": 10,
        "format": "date",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Trailmark query",
        "type": "object",
        "additionalProperties": False,
        "required": list(REQUIRED_FIELDS),
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH},
            "website_id": {
                "type": "string",
                "pattern": f"^{UUID_TEXT.pattern}$",
                "minLength": 36,
                "maxLength": 36,
            },
            "date_range": {
                "oneOf": [
                    {"enum": list(PERIODS)},
                    {
                        "type": "array",
                        "prefixItems": [date, date],
                        "minItems": 2,
                        "items": False,
                    },
                ]
            },
            "metrics": {
                "type": "array",
                "items": {"enum": list(METRICS)},
                "minItems": 1,
                "uniqueItems": True,
            },
            "dimensions": {
                "type": "array",
                "items": _names(list(DIMENSIONS)),
                "maxItems": MAX_DIMENSIONS,
                "uniqueItems": True,
            },
            "filters": {
                "type": "array",
                "items": {"$ref": "#/$defs/filter"},
                "maxItems": MAX_ITEMS,
            },
            "order_by": {
                "type": "array",
                "items": {
                    "type": "array",
                    "prefixItems": [{"type": "string"}, {"enum": list(DIRECTIONS)}],
                    "minItems": 2,
                    "items": False,
                },
            },
            "pagination": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "limit": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT,
                    },
                    "offset": {
                        "type": "integer",
                        "minimum": 0,
                        "maximum": MAX_OFFSET,
                        "default": 0,
                    },
                },
            },
            "compare": {"enum": [*COMPARES, None], "default": None},
            "include_bots": {"type": "boolean", "default": False},
        },
        "$defs": {
            "filter": {
                "oneOf": [
                    *(
                        _leaf_schema(ops=ops, value=value, dimension=_names(filterable))
                        for ops, value in _leaf_kinds()
                    ),
                    {
                        "type": "array",
                        "prefixItems": [
                            {"enum": ["and", "or"]},
                            {
                                "type": "array",
                                "items": {"$ref": "#/$defs/filter"},
                                "minItems": 1,
                                "maxItems": MAX_ITEMS,
                            },
                        ],
                        "minItems": 2,
                        "items": False,
                    },
                    {
                        "type": "array",
                        "prefixItems": [{"const": "not"}, {"$ref": "#/$defs/filter"}],
                        "minItems": 2,
                        "items": False,
                    },
                ]
            },
        },
    }


def _names(names: list[str]) -> dict:
    """A dimension name: one of `names` or any `event:props:<key>`."""
    return {"anyOf": [{"enum": names}, {"type": "string", "pattern": PROPS_NAME_PATTERN}]}


def _leaf_kinds() -> list[tuple[list[str], dict]]:
    """The operators grouped by the values they take: null for is/is_not only, and shorter
    strings for the regular expressions."""
    text = {"type": "string", "maxLength": MAX_VALUE_LENGTH}
    pattern = {"type": "string", "maxLength": MAX_PATTERN_LENGTH}
    nullable = [op for op in OPERATORS if op in NULLABLE_OPERATORS]
    patterns = [op for op in OPERATORS if op in PATTERN_OPERATORS]
    others = [op for op in OPERATORS if op not in NULLABLE_OPERATORS | PATTERN_OPERATORS]
    return [
        (nullable, {"anyOf": [text, {"type": "null"}]}),
        (others, text),
        (patterns, pattern),
    ]


def _leaf_schema(*, ops: list[str], value: dict, dimension: dict) -> dict:
    return {
        "type": "array",
        "prefixItems": [
            {"enum": ops},
            dimension,
            {"type": "array", "items": value, "minItems": 1, "maxItems": MAX_VALUES},
            {
                "type": "object",
                "additionalProperties": False,
                "properties": {"case_sensitive": {"type": "boolean", "default": True}},
            },
        ],
        "minItems": 3,
        "items": False,
    }
