"""Events for report tests: built with explicit times and visitor hashes, inserted in one go."""

import uuid
from datetime import UTC, datetime

from ingest.models import Channel, DeviceType, Event, EventType, ScreenBucket
from ingest.partitions import event_partitions_ensure
from websites.models import Website

EVENT_TYPES = {str(label): int(value) for value, label in EventType.choices}

# A desktop Chrome on Windows, arriving directly: each event overrides what differs.
DEFAULTS = {
    "referrer_channel": Channel.DIRECT,
    "referrer_domain": None,
    "browser_family": "Chrome",
    "os_family": "Windows",
    "device_type": DeviceType.DESKTOP,
    "screen_bucket": ScreenBucket.UP_TO_1440,
    "is_bot": False,
    "is_excluded": False,
}


def utc(moment: str) -> datetime:
    """`"2026-03-08 10:00:00"` (or with seconds fractions) as an aware UTC datetime."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def visitor(number: int) -> uuid.UUID:
    return uuid.UUID(int=number)


def event_build(
    website: Website,
    moment: str,
    visitor_number: int,
    event_type: str = "page_view",
    path="/",
    **fields,
) -> Event:
    return Event(
        website=website,
        timestamp=utc(moment),
        ip_hash=visitor(visitor_number),
        event_type=EVENT_TYPES[event_type],
        path=path,
        **{**DEFAULTS, **fields},
    )


def events_insert(events: list[Event]) -> list[Event]:
    event_partitions_ensure(months=[event.timestamp.date() for event in events])
    return Event.objects.bulk_create(events)
