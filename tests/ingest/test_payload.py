"""Validation of collected events: every hostile input is a named 400, never a crash."""

import json
import uuid

import pytest

from ingest.models import EventType
from ingest.payload import MAX_BODY_BYTES, InvalidEvent, body_parse, payload_validate

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
        ({"properties": [1, 2]}, "properties"),
        ({"properties": {"a": {"b": {"c": {"d": {"e": 1}}}}}}, "properties"),
        ({"properties": {"big": "x" * 9000}}, "properties"),
        ({"properties": {"k\x00": 1}}, "properties"),
        ({"properties": {"k": ["\x00"]}}, "properties"),
        ({"event_type": "custom", "event_name": "n" * 201}, "event_name"),
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
        b"[" * 16000 + b"]" * 16000,
        b"{" + b" " * MAX_BODY_BYTES + b"}",
    ],
)
def test_hostile_bodies_are_refused(body):
    with pytest.raises(InvalidEvent, match=r"^body:"):
        body_parse(body)


def test_a_body_round_trips():
    assert body_parse(json.dumps(valid()).encode()) == valid()
