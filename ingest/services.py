"""Writes of the collect pipeline: validate (ingest.payload), enrich, buffer (ingest.buffer).

Storing buffered rows in PostgreSQL is ingest.drain's.
"""

import enum
import hashlib
import hmac
import json
import os
import uuid
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from analytics_site.calendar import local_date
from analytics_site.net import client_key
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
from ingest.models import DailySalt
from ingest.payload import CollectPayload, event_row_check
from ingest.rows import EventRow
from ingest.selectors import SiteConfig, site_config_get


class CollectOutcome(enum.Enum):
    ACCEPTED = "accepted"  # stored, counts in reports: 202
    FILTERED = "filtered"  # stored flagged as bot or excluded: 204
    UNKNOWN_SITE = "unknown_site"  # nothing stored (no such website, or deleted): 204
    BUFFER_FULL = "buffer_full"  # nothing stored: 503, the client retries later


# --- Visitor hashes ------------------------------------------------------------------------------

_salts: dict[date, bytes] = {}


# Late events (a beacon queued by a closing tab) still get their day's salt this long after the
# day is over everywhere.
SALT_GRACE = timedelta(hours=1)
# The last zone to leave a date (UTC-12) leaves it this long after UTC does.
_LAST_MIDNIGHT_AFTER_UTC = timedelta(hours=12)


def daily_salt(*, day: date) -> bytes:
    """The random salt of a date, shared by every process through the database. An event gets
    the salt of its local date in its website's time zone."""
    salt = _salts.get(day)
    if salt is None:
        DailySalt.objects.bulk_create(
            [DailySalt(day=day, salt=os.urandom(32))], ignore_conflicts=True
        )
        salt = bytes(DailySalt.objects.get(day=day).salt)
        # Forget salts that the database no longer keeps (see salts_expire).
        # Dates in use somewhere span three days (UTC+14 to UTC-12).
        for old_day in [cached for cached in _salts if cached < day - timedelta(days=2)]:
            del _salts[old_day]
        _salts[day] = salt
    return salt


def salts_expire(*, now: datetime) -> int:
    """Destroys the salts of dates that are over in every time zone (plus `SALT_GRACE`), so
    those days' visitor hashes can never be recomputed."""
    first_kept = (now.astimezone(UTC) - _LAST_MIDNIGHT_AFTER_UTC - SALT_GRACE).date()
    deleted, _ = DailySalt.objects.filter(day__lt=first_kept).delete()
    for old_day in [cached for cached in _salts if cached < first_kept]:
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
) -> EventRow:
    """Steps 2-9 of the collect pipeline: the stored row of one event, with no raw IP in it.

    Raises InvalidEvent when a derived value could not be stored (see event_row_check), so no
    row that PostgreSQL would refuse is ever buffered.
    """
    agent = user_agent_parse(user_agent)
    utm = utm_extract(
        payload.url,
        utm_source=payload.utm_source,
        utm_medium=payload.utm_medium,
        utm_campaign=payload.utm_campaign,
        utm_term=payload.utm_term,
        utm_content=payload.utm_content,
    )
    referrer_domain, channel = referrer_classify(
        payload.referrer, site_domain=site.domain, utm_medium=utm.medium
    )
    ip_hash = visitor_hash(
        salt=daily_salt(day=local_date(timestamp, site.timezone)),
        ip=ip,
        user_agent=user_agent,
        website_id=site.id,
    )
    row = EventRow(
        str(site.id),
        timestamp.astimezone(UTC).isoformat(),
        int(payload.event_type),
        payload.event_name,
        payload.path,
        referrer_domain,
        int(channel),
        utm.source,
        utm.medium,
        utm.campaign,
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
        utm.term,
        utm.content,
    )
    event_row_check(row)
    return row


def event_collect(
    *, payload: CollectPayload, ip: str, user_agent: str, rate: str
) -> tuple[CollectOutcome, RateLimitUsage]:
    """Steps 1-10 for one valid collect request, counted against the client's `rate`.

    The event of a known website is enriched and buffered for storage, unless the client is over
    its limit (the returned usage says so), the website was just deleted, or the buffer is full.
    """
    site = site_config_get(website_id=payload.website_id)
    if site is None:
        return CollectOutcome.UNKNOWN_SITE, collect_request_count(ip=ip, rate=rate)
    row = event_row(payload, site=site, ip=ip, user_agent=user_agent, timestamp=timezone.now())
    push = buffer.buffer_push_rate_limited(row, client_key=_rate_limit_key(ip), rate=rate)
    if push.outcome is buffer.BufferOutcome.WEBSITE_DELETED:
        return CollectOutcome.UNKNOWN_SITE, push.usage
    if push.outcome is buffer.BufferOutcome.FULL:
        return CollectOutcome.BUFFER_FULL, push.usage
    filtered = row.is_bot or row.is_excluded
    return CollectOutcome.FILTERED if filtered else CollectOutcome.ACCEPTED, push.usage


def collect_request_count(*, ip: str, rate: str) -> RateLimitUsage:
    """Counts a collect request that carries no event (invalid, or for an unknown website)."""
    return buffer.buffer_push_rate_limited(None, client_key=_rate_limit_key(ip), rate=rate).usage


def _rate_limit_key(ip: str) -> str:
    # The counter's Redis key names a keyed hash of the client's network, never its address.
    return client_key(ip)


def _json_text(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
