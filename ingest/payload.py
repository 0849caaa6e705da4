"""Validation of one collected event, shared by POST /api/v1/collect and `import_events`.

Hand-written rather than a DRF serializer: it runs for every hit on the hot path, where a
serializer costs several times more than these few checks. Every rule names its field.
"""

import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import models

from analytics_site.text import CONTROL_CHARACTERS, LONE_SURROGATES, UNSTORABLE_CHARACTERS
from ingest.models import Event, EventType
from ingest.rows import EventRow

# Every text column of ingest_event and its width, read from the model once: (index in an
# EventRow, column, max_length). The widths are the model's, never copied by hand.
TEXT_COLUMNS = tuple(
    (index, column, Event._meta.get_field(column).max_length)
    for index, column in enumerate(EventRow._fields)
    if isinstance(Event._meta.get_field(column), models.CharField)
)
COLUMN_WIDTHS = {column: width for _, column, width in TEXT_COLUMNS}

MAX_BODY_BYTES = 32 * 1024
MAX_URL_LENGTH = 2048
MAX_PATH_LENGTH = COLUMN_WIDTHS["path"]
MAX_UTM_LENGTH = COLUMN_WIDTHS["utm_source"]  # as wide as the other utm_* columns
MAX_EVENT_NAME_LENGTH = COLUMN_WIDTHS["event_name"]
MAX_PROPERTIES_BYTES = 8 * 1024
MAX_PROPERTIES_DEPTH = 4
MAX_SCREEN_DIMENSION = 100_000

EVENT_TYPES = {label: value for value, label in EventType.choices}


class InvalidEvent(ValueError):
    """The event is malformed; the message names the field."""


@dataclass(frozen=True, slots=True)
class CollectPayload:
    website_id: uuid.UUID
    event_type: EventType
    event_name: str | None
    url: str
    path: str
    referrer: str | None
    screen_width: int | None
    properties: dict | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None


def body_parse(body: bytes) -> dict:
    """The request body as a JSON object: size-capped, UTF-8, finite numbers only."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidEvent(f"body: request body exceeds {MAX_BODY_BYTES // 1024} KB.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEvent("body: request body is not valid UTF-8.") from None
    try:
        data = _DECODER.decode(text)
    except InvalidEvent:
        raise  # _finite_float's, which names the number
    except (ValueError, RecursionError):
        raise InvalidEvent("body: malformed JSON.") from None
    if not isinstance(data, dict):
        raise InvalidEvent("body: must be a JSON object.")
    return data


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON, and PostgreSQL's jsonb refuses them.
    raise ValueError(name)


def _finite_float(text: str) -> float:
    # 1e999 is valid JSON, but Python reads it as inf, which jsonb refuses like Infinity.
    value = float(text)
    if not math.isfinite(value):
        raise InvalidEvent(f"body: the number {text[:20]} is out of range.")
    return value


# Built once: json.loads with hooks would build a decoder on every call (~2 µs of the hot path).
_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_refuse_constant)


def payload_validate(data: dict) -> CollectPayload:
    event_type_label = _string(data, "event_type", required=True, max_length=32)
    event_type = EVENT_TYPES.get(event_type_label)
    if event_type is None:
        raise InvalidEvent(f"event_type: must be one of {', '.join(EVENT_TYPES)}.")
    properties = _properties(data.get("properties"))
    event_name = None
    if event_type == EventType.CUSTOM:
        event_name = _string(data, "event_name", max_length=MAX_EVENT_NAME_LENGTH)
        if event_name is None and properties is not None:
            event_name = _string(properties, "name", max_length=MAX_EVENT_NAME_LENGTH)
        if event_name is None:
            raise InvalidEvent("event_name: required for custom events.")
    _dimension(data, "screen_height")  # validated, not stored: reports use width buckets
    path = _string(data, "path", required=True, max_length=MAX_PATH_LENGTH)
    if not path.startswith("/"):
        raise InvalidEvent("path: must start with '/'.")
    return CollectPayload(
        website_id=_uuid(data, "website_id"),
        event_type=event_type,
        event_name=event_name,
        url=_string(data, "url", required=True, max_length=MAX_URL_LENGTH),
        path=path,
        referrer=_string(data, "referrer", max_length=MAX_URL_LENGTH),
        screen_width=_dimension(data, "screen_width"),
        properties=properties,
        utm_source=_string(data, "utm_source", max_length=MAX_UTM_LENGTH),
        utm_medium=_string(data, "utm_medium", max_length=MAX_UTM_LENGTH),
        utm_campaign=_string(data, "utm_campaign", max_length=MAX_UTM_LENGTH),
        utm_term=_string(data, "utm_term", max_length=MAX_UTM_LENGTH),
        utm_content=_string(data, "utm_content", max_length=MAX_UTM_LENGTH),
    )


def _string(data: dict, field: str, *, max_length: int, required: bool = False) -> str | None:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise InvalidEvent(f"{field}: this field is required.")
        return None
    if not isinstance(value, str):
        raise InvalidEvent(f"{field}: must be a string.")
    if len(value) > max_length:
        raise InvalidEvent(f"{field}: at most {max_length} characters.")
    if UNSTORABLE_CHARACTERS.search(value):
        raise InvalidEvent(f"{field}: must not contain control characters or invalid Unicode.")
    return value


# Columns whose text comes from a request field of another name, as error messages name them.
_ROW_SOURCES = {
    "utm_source": "url: utm_source",
    "utm_medium": "url: utm_medium",
    "utm_campaign": "url: utm_campaign",
    "utm_term": "url: utm_term",
    "utm_content": "url: utm_content",
}


def event_row_check(row: EventRow) -> None:
    """Refuses a row that PostgreSQL would refuse: text wider than its column or with controls.

    The one width check of every text column, whatever step derived the value. Body fields were
    checked by payload_validate already, so a UTM value failing here came from the url's query.
    """
    for index, column, width in TEXT_COLUMNS:
        value = row[index]
        if value is None:
            continue
        if len(value) > width:
            raise InvalidEvent(f"{_ROW_SOURCES.get(column, column)}: at most {width} characters.")
        if CONTROL_CHARACTERS.search(value):
            raise InvalidEvent(
                f"{_ROW_SOURCES.get(column, column)}: must not contain control characters."
            )


def _uuid(data: dict, field: str) -> uuid.UUID:
    value = _string(data, field, required=True, max_length=64)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidEvent(f"{field}: must be a UUID.") from None


def _dimension(data: dict, field: str) -> int | None:
    value = data.get(field)
    if value is None:
        return None
    # bool is an int subclass in Python; JSON true is not a width.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEvent(f"{field}: must be a number.")
    if not 0 <= value <= MAX_SCREEN_DIMENSION:
        raise InvalidEvent(f"{field}: must be between 0 and {MAX_SCREEN_DIMENSION}.")
    return int(value)


def _properties(value: Any) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidEvent("properties: must be a JSON object.")
    _check_nesting(value)
    encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if LONE_SURROGATES.search(encoded):
        raise InvalidEvent("properties: invalid Unicode.")
    if len(encoded.encode()) > MAX_PROPERTIES_BYTES:
        raise InvalidEvent(f"properties: at most {MAX_PROPERTIES_BYTES // 1024} KB.")
    return value


def _check_nesting(properties: dict) -> None:
    """Bounded depth, and no NUL in any key or string (PostgreSQL's jsonb refuses \\u0000).

    Iterative, so hostile nesting cannot exhaust the stack.
    """
    stack: list[tuple[Any, int]] = [(properties, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_PROPERTIES_DEPTH:
                raise InvalidEvent(
                    f"properties: nested at most {MAX_PROPERTIES_DEPTH} levels deep."
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    raise InvalidEvent("properties: must not contain NUL characters.")
                stack.append((item, depth + 1))
        elif isinstance(value, str) and "\x00" in value:
            raise InvalidEvent("properties: must not contain NUL characters.")
