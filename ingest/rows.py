"""The stored form of one event: a named tuple in the buffer's and COPY's column order.

Values are already in PostgreSQL's text form (ISO timestamps, hex hashes, JSON text), so the
drainer passes them through untouched; in the buffer a row is a JSON array of these fields.
"""

from typing import NamedTuple


class EventRow(NamedTuple):
    website_id: str
    timestamp: str
    event_type: int
    event_name: str | None
    path: str
    referrer_domain: str | None
    referrer_channel: int
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    browser_family: str
    os_family: str
    device_type: int
    screen_bucket: int
    country: str | None
    ip_hash: str
    content_group: str | None
    is_bot: bool
    is_excluded: bool
    properties: str | None


EVENT_COLUMNS = EventRow._fields
