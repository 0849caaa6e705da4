"""Bulk import of historical events (NDJSON), through the same pipeline as collect."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics_site.outages import through_outages
from ingest.drain import events_store
from ingest.payload import InvalidEvent, body_parse, payload_validate
from ingest.rows import EventRow
from ingest.selectors import site_config_get
from ingest.services import event_row

MAX_REPORTED_INVALID_LINES = 100


@dataclass
class ImportResult:
    imported: int = 0
    bots: int = 0
    excluded: int = 0
    unknown_site: int = 0
    invalid: int = 0
    invalid_lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return self.bots + self.excluded + self.unknown_site


def events_import(lines: Iterable[bytes], *, batch_size: int = 5000) -> Iterator[ImportResult]:
    """Imports NDJSON lines: the collect fields plus `timestamp` (ISO 8601), `ip`, `user_agent`.

    Each event gets the visitor-hash salt of its own UTC day. Bots and excluded addresses are
    stored flagged, as collect stores them, and counted as dropped (reports never count them);
    events of unknown websites are not stored. Yields the running result after every batch.
    """
    result, batch = ImportResult(), []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = _line_row(line)
        except InvalidEvent as invalid:
            result.invalid += 1
            if len(result.invalid_lines) < MAX_REPORTED_INVALID_LINES:
                result.invalid_lines.append((number, str(invalid)))
            continue
        if row is None:
            result.unknown_site += 1
            continue
        if row.is_bot:
            result.bots += 1
        elif row.is_excluded:
            result.excluded += 1
        else:
            result.imported += 1
        batch.append(row)
        if len(batch) >= batch_size:
            _store(batch)
            batch = []
            yield result
    _store(batch)
    yield result


def _line_row(line: bytes) -> EventRow | None:
    data = body_parse(line)
    payload = payload_validate(data)
    site = site_config_get(website_id=payload.website_id)
    if site is None:
        return None
    ip, user_agent = data.get("ip"), data.get("user_agent", "")
    if not isinstance(ip, str) or not ip:
        raise InvalidEvent("ip: this field is required.")
    if not isinstance(user_agent, str):
        raise InvalidEvent("user_agent: must be a string.")
    return event_row(payload, site=site, ip=ip, user_agent=user_agent, timestamp=_timestamp(data))


def _timestamp(data: dict) -> datetime:
    value = data.get("timestamp")
    if not isinstance(value, str):
        raise InvalidEvent("timestamp: an ISO 8601 string is required.")
    try:
        timestamp = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEvent("timestamp: not an ISO 8601 date-time.") from None
    # A timestamp without an offset is taken as UTC.
    timestamp = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
    # Older days have lost their raw events to retention: their rollups cannot be recomputed.
    retention_days = settings.TRAILMARK_RAW_RETENTION_DAYS
    if timestamp < timezone.now() - timedelta(days=retention_days):
        raise InvalidEvent(f"timestamp: older than the raw retention ({retention_days} days).")
    return timestamp


def _store(batch: list[EventRow]) -> None:
    def store() -> None:
        with transaction.atomic():
            events_store(batch)

    # A long import waits out a database outage rather than stop half done.
    through_outages(store, what=f"Storing {len(batch)} imported events")
