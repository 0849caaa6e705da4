"""Writes of the ingest pipeline: enrich an event, buffer it, store buffered events in bulk."""

import enum
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import uuid
from datetime import UTC, date, datetime, timedelta

from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from aggregation.services import aggregation_days_mark_stale
from analytics_site.ratelimit import RateLimitUsage
from ingest import buffer
from ingest.enrichment import (
    content_group_match,
    country_lookup,
    ip_excluded,
    referrer_classify,
    screen_bucket,
    user_agent_parse,
    utm_extract,
)
from ingest.models import DailySalt, DrainCheckpoint
from ingest.partitions import event_partitions_ensure
from ingest.payload import CollectPayload
from ingest.selectors import SiteConfig, site_config_get
from websites.models import Website

logger = logging.getLogger(__name__)

# The order of a row in the buffer and in COPY. Values are already in PostgreSQL's text form
# (ISO timestamps, hex hashes, JSON text), so the drainer passes them through untouched.
EVENT_COLUMNS = (
    "website_id",
    "timestamp",
    "event_type",
    "event_name",
    "path",
    "referrer_domain",
    "referrer_channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "browser_family",
    "os_family",
    "device_type",
    "screen_bucket",
    "country",
    "ip_hash",
    "content_group",
    "is_bot",
    "is_excluded",
    "properties",
)
WEBSITE_INDEX = EVENT_COLUMNS.index("website_id")
TIMESTAMP_INDEX = EVENT_COLUMNS.index("timestamp")
IS_BOT_INDEX = EVENT_COLUMNS.index("is_bot")
IS_EXCLUDED_INDEX = EVENT_COLUMNS.index("is_excluded")
_COPY_SQL = f"COPY ingest_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN"


class CollectOutcome(enum.Enum):
    ACCEPTED = "accepted"  # stored, counts in reports: 202
    FILTERED = "filtered"  # stored flagged as bot or excluded: 204
    UNKNOWN_SITE = "unknown_site"  # nothing stored: 204


# --- Visitor hashes ------------------------------------------------------------------------------

_salts: dict[date, bytes] = {}


def daily_salt(*, day: date) -> bytes:
    """The random salt of a UTC day, shared by every process through the database."""
    salt = _salts.get(day)
    if salt is None:
        DailySalt.objects.bulk_create(
            [DailySalt(day=day, salt=os.urandom(32))], ignore_conflicts=True
        )
        salt = bytes(DailySalt.objects.get(day=day).salt)
        # Forget salts that the database no longer keeps (see salts_expire).
        for old_day in [cached for cached in _salts if cached < day - timedelta(days=1)]:
            del _salts[old_day]
        _salts[day] = salt
    return salt


def salts_expire(*, today: date) -> int:
    """Destroys salts older than yesterday, so older visitor hashes can never be recomputed."""
    deleted, _ = DailySalt.objects.filter(day__lt=today - timedelta(days=1)).delete()
    for old_day in [cached for cached in _salts if cached < today - timedelta(days=1)]:
        del _salts[old_day]
    return deleted


def visitor_hash(*, salt: bytes, ip: str, user_agent: str, website_id: uuid.UUID) -> str:
    """HMAC-SHA256(daily salt, IP + UA + website id), first 128 bits as hex."""
    message = f"{ip}{user_agent}{website_id}".encode()
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]


# --- The pipeline --------------------------------------------------------------------------------


def event_row(
    payload: CollectPayload,
    *,
    site: SiteConfig,
    ip: str,
    user_agent: str,
    timestamp: datetime,
) -> list:
    """Steps 2-9 of the collect pipeline: the stored row of one event, with no raw IP in it."""
    agent = user_agent_parse(user_agent)
    utm_source, utm_medium, utm_campaign = utm_extract(
        payload.url,
        utm_source=payload.utm_source,
        utm_medium=payload.utm_medium,
        utm_campaign=payload.utm_campaign,
    )
    referrer_domain, channel = referrer_classify(
        payload.referrer, site_domain=site.domain, utm_medium=utm_medium
    )
    ip_hash = visitor_hash(
        salt=daily_salt(day=timestamp.astimezone(UTC).date()),
        ip=ip,
        user_agent=user_agent,
        website_id=site.id,
    )
    return [
        str(site.id),
        timestamp.astimezone(UTC).isoformat(),
        int(payload.event_type),
        payload.event_name,
        payload.path,
        referrer_domain,
        int(channel),
        utm_source,
        utm_medium,
        utm_campaign,
        agent.browser_family,
        agent.os_family,
        int(agent.device_type),
        int(screen_bucket(payload.screen_width)),
        country_lookup(ip),
        ip_hash,
        content_group_match(payload.path, site.content_groups),
        agent.is_bot,
        ip_excluded(ip, site.excluded_networks),
        None if payload.properties is None else _json_text(payload.properties),
    ]


def event_collect(
    *, payload: CollectPayload, ip: str, user_agent: str, rate: str
) -> tuple[CollectOutcome, RateLimitUsage]:
    """Steps 1-10 for one valid collect request, counted against the client's `rate`.

    The event of a known website is enriched and buffered for storage, unless the client is over
    its limit (the returned usage says so).
    """
    site = site_config_get(website_id=payload.website_id)
    if site is None:
        return CollectOutcome.UNKNOWN_SITE, collect_request_count(ip=ip, rate=rate)
    row = event_row(payload, site=site, ip=ip, user_agent=user_agent, timestamp=timezone.now())
    usage = buffer.buffer_push_rate_limited(row, client_key=_rate_limit_key(ip), rate=rate)
    filtered = row[IS_BOT_INDEX] or row[IS_EXCLUDED_INDEX]
    return CollectOutcome.FILTERED if filtered else CollectOutcome.ACCEPTED, usage


def collect_request_count(*, ip: str, rate: str) -> RateLimitUsage:
    """Counts a collect request that carries no event (invalid, or for an unknown website)."""
    return buffer.buffer_push_rate_limited(None, client_key=_rate_limit_key(ip), rate=rate)


def _rate_limit_key(ip: str) -> str:
    # An IPv6 client usually holds a whole /64: count the network, as django-ratelimit does.
    if ":" in ip:
        try:
            return str(ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address)
        except ValueError:
            return ip
    return ip


# --- Storage -------------------------------------------------------------------------------------


def events_store(rows: list[list]) -> int:
    """Stores rows with one COPY, creating missing monthly partitions first.

    Rows of websites deleted since they were collected are dropped, and the days that received
    events are marked for (re-)aggregation. Call inside a transaction. Returns the rows stored.
    """
    if not rows:
        return 0
    event_partitions_ensure(months={date.fromisoformat(row[TIMESTAMP_INDEX][:10]) for row in rows})
    existing = {
        str(website_id)
        for website_id in Website.objects.filter(
            pk__in={row[WEBSITE_INDEX] for row in rows}
        ).values_list("pk", flat=True)
    }
    rows = [row for row in rows if row[WEBSITE_INDEX] in existing]
    with connection.cursor() as cursor, cursor.cursor.copy(_COPY_SQL) as copy:
        for row in rows:
            copy.write_row(row)
    aggregation_days_mark_stale(
        website_days={
            (row[WEBSITE_INDEX], date.fromisoformat(row[TIMESTAMP_INDEX][:10])) for row in rows
        }
    )
    return len(rows)


def events_buffer_drain(*, batch_size: int = 5000, block_ms: int | None = None) -> int:
    """Stores buffered events until the buffer is empty; returns the number of rows stored.

    Entries left unacknowledged by an earlier, interrupted drain go first. With `block_ms`, waits
    that long for new entries once the buffer is empty (the drainer's loop does this).
    """
    buffer.buffer_group_ensure()
    stored = 0
    while True:
        entries = buffer.buffer_read(pending=True, count=batch_size)
        if not entries:
            entries = buffer.buffer_read(pending=False, count=batch_size, block_ms=block_ms)
        if not entries:
            return stored
        stored += _store_entries(entries)
        block_ms = None


def _store_entries(entries: list[tuple[str, list | None]]) -> int:
    checkpoint = _stream_id(DrainCheckpoint.objects.get_or_create(pk=1)[0].last_entry_id)
    # Entries up to the checkpoint were committed by a drain that died before acknowledging them.
    rows = [
        row for entry_id, row in entries if row is not None and _stream_id(entry_id) > checkpoint
    ]
    last_entry_id = entries[-1][0]
    try:
        with transaction.atomic():
            stored = events_store(rows)
            DrainCheckpoint.objects.filter(pk=1).update(last_entry_id=last_entry_id)
    except (DataError, IntegrityError):
        logger.exception("Batch refused by PostgreSQL; storing its %d rows one by one", len(rows))
        stored = _store_one_by_one(rows, last_entry_id=last_entry_id)
    buffer.buffer_acknowledge([entry_id for entry_id, _ in entries])
    return stored


def _store_one_by_one(rows: list[list], *, last_entry_id: str) -> int:
    stored = 0
    with transaction.atomic():
        for row in rows:
            try:
                with transaction.atomic():
                    stored += events_store([row])
            except (DataError, IntegrityError) as error:
                buffer.buffer_dead_letter([row], reason=str(error))
        DrainCheckpoint.objects.filter(pk=1).update(last_entry_id=last_entry_id)
    return stored


def _stream_id(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)


def _json_text(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
