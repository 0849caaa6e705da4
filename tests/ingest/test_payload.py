"""Validation of collected events: every hostile input is a named 400, never a crash."""

import json
import uuid
from datetime import UTC, datetime

import pytest

from ingest.models import Event, EventType
from ingest.payload import (
    MAX_BODY_BYTES,
    TEXT_COLUMNS,
    InvalidEvent,
    body_parse,
    event_row_check,
    payload_validate,
)
from ingest.rows import EventRow

WEBSITE_ID = str(uuid.uuid4())


def valid(**overrides) -> dict:
    data = {
        "website_id": WEBSITE_ID,
        "event_type": "page_view",
        "url": "https://example.com/blog/post?utm_source=x",
        "path": "/blog/post",
        "referrer": "https://t.co/abc",
        "screen_width": 1920,
        "screen_height": 1080,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not ...}


def test_a_valid_page_view_parses():
    payload = payload_validate(valid())
    assert payload.website_id == uuid.UUID(WEBSITE_ID)
    assert payload.event_type == EventType.PAGE_VIEW
    assert payload.path == "/blog/post"
    assert payload.screen_width == 1920
    assert payload.event_name is None


def test_the_five_utm_fields_parse_up_to_their_width():
    utm = {
        "utm_source": "news",
        "utm_medium": "email",
        "utm_campaign": "spring",
        "utm_term": "t" * 255,
        "utm_content": "footer link",
    }
    payload = payload_validate(valid(**utm))
    assert {key: getattr(payload, key) for key in utm} == utm
    blank = payload_validate(valid(utm_term="", utm_content=None))
    assert (blank.utm_term, blank.utm_content) == (None, None)


def test_custom_event_name_from_field_or_properties():
    assert payload_validate(valid(event_type="custom", event_name="signup")).event_name == "signup"
    from_properties = payload_validate(valid(event_type="custom", properties={"name": "buy"}))
    assert from_properties.event_name == "buy"
    with pytest.raises(InvalidEvent, match=r"^event_name:"):
        payload_validate(valid(event_type="custom"))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"website_id": ...}, "website_id"),
        ({"website_id": "not-a-uuid"}, "website_id"),
        ({"website_id": 12}, "website_id"),
        ({"event_type": ...}, "event_type"),
        ({"event_type": "purchase"}, "event_type"),
        ({"url": ...}, "url"),
        ({"url": "https://example.com/" + "a" * 2048}, "url"),
        ({"path": ...}, "path"),
        ({"path": "blog"}, "path"),
        ({"path": "/" + "a" * 1024}, "path"),
        ({"path": "/a\x00b"}, "path"),
        ({"path": "/\ud800"}, "path"),
        ({"referrer": "https://x.test/" + "r" * 2048}, "referrer"),
        ({"referrer": 5}, "referrer"),
        ({"screen_width": "1920"}, "screen_width"),
        ({"screen_width": True}, "screen_width"),
        ({"screen_width": -1}, "screen_width"),
        ({"screen_height": [1]}, "screen_height"),
        ({"utm_source": "s" * 256}, "utm_source"),
        ({"utm_term": "t" * 256}, "utm_term"),
        ({"utm_content": "c" * 256}, "utm_content"),
        ({"utm_term": 5}, "utm_term"),
        ({"properties": [1, 2]}, "properties"),
        ({"properties": {"a": {"b": {"c": {"d": {"e": 1}}}}}}, "properties"),
        ({"properties": {"big": "x" * 9000}}, "properties"),
        ({"properties": {"k\x00": 1}}, "properties"),
        ({"properties": {"k": ["\x00"]}}, "properties"),
        ({"event_type": "custom", "event_name": "n" * 201}, "event_name"),
        ({"path": "/a\x01b"}, "path"),
        ({"path": "/a\x7fb"}, "path"),
        ({"event_type": "custom", "event_name": "sign\nup"}, "event_name"),
        ({"utm_source": "news\x1bletter"}, "utm_source"),
        ({"utm_campaign": "\x00"}, "utm_campaign"),
        ({"utm_term": "a\tb"}, "utm_term"),
        ({"utm_content": "x\x7f"}, "utm_content"),
        ({"utm_content": "\udc00"}, "utm_content"),
        ({"url": "https://example.com/\tx"}, "url"),
        ({"referrer": "https://t.co/\r"}, "referrer"),
    ],
)
def test_invalid_fields_are_named(overrides, field):
    with pytest.raises(InvalidEvent, match=rf"^{field}:"):
        payload_validate(valid(**overrides))


@pytest.mark.parametrize(
    "body",
    [
        b"{bad json",
        b"[1, 2]",
        b'"a string"',
        b"\xff\xfe{}",
        b'{"screen_width": NaN}',
        b'{"screen_width": Infinity}',
        b'{"properties": {"v": 1e999}}',
        b'{"properties": {"v": [-1E400]}}',
        b'{"screen_width": 1e999}',
        b"[" * 16000 + b"]" * 16000,
        b"{" + b" " * MAX_BODY_BYTES + b"}",
    ],
)
def test_hostile_bodies_are_refused(body):
    with pytest.raises(InvalidEvent, match=r"^body:"):
        body_parse(body)


def test_a_body_round_trips():
    assert body_parse(json.dumps(valid()).encode()) == valid()


def test_out_of_range_numbers_are_named_in_the_message():
    with pytest.raises(InvalidEvent, match=r"^body: the number 1e999 is out of range"):
        body_parse(b'{"properties": {"v": 1e999}}')


def test_finite_numbers_stay_numbers():
    assert body_parse(b'{"properties": {"v": 1.5e300, "w": -0.0}}')["properties"]["v"] == 1.5e300


# --- the row check: every text column against its width in the model ----------------------------


def a_row(**values) -> EventRow:
    row = EventRow(
        website_id=WEBSITE_ID,
        timestamp=datetime(2026, 3, 10, tzinfo=UTC).isoformat(),
        event_type=int(EventType.PAGE_VIEW),
        event_name=None,
        path="/blog/post",
        referrer_domain="t.co",
        referrer_channel=4,
        utm_source="twitter",
        utm_medium=None,
        utm_campaign=None,
        browser_family="Chrome",
        os_family="Windows",
        device_type=1,
        screen_bucket=5,
        country="DE",
        ip_hash="0" * 32,
        content_group="Blog",
        is_bot=False,
        is_excluded=False,
        properties=None,
        utm_term=None,
        utm_content=None,
    )
    return row._replace(**values)


def test_the_row_check_covers_every_text_column_of_the_model():
    text_columns = {
        field.attname: field.max_length
        for field in Event._meta.concrete_fields
        if field.get_internal_type() == "CharField"
    }
    assert {column: width for _, column, width in TEXT_COLUMNS} == text_columns
    assert text_columns["content_group"] == 100
    assert text_columns["utm_term"] == text_columns["utm_content"] == 255


@pytest.mark.parametrize(("index", "column", "width"), TEXT_COLUMNS)
def test_each_text_column_holds_its_width_and_no_more(index, column, width):
    event_row_check(a_row(**{column: "x" * width}))
    with pytest.raises(InvalidEvent, match=rf"{column}: at most {width} characters"):
        event_row_check(a_row(**{column: "x" * (width + 1)}))


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1f", "\x7f"])
@pytest.mark.parametrize(("index", "column", "width"), TEXT_COLUMNS)
def test_each_text_column_refuses_control_characters(index, column, width, character):
    with pytest.raises(InvalidEvent, match=rf"{column}: must not contain control characters"):
        event_row_check(a_row(**{column: "x" + character}))


@pytest.mark.parametrize(
    "column", ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]
)
def test_utm_values_are_named_after_the_url_they_came_from(column):
    with pytest.raises(InvalidEvent, match=rf"^url: {column}: must not contain control"):
        event_row_check(a_row(**{column: "a\x00b"}))
    with pytest.raises(InvalidEvent, match=rf"^url: {column}: at most 255 characters"):
        event_row_check(a_row(**{column: "x" * 256}))
