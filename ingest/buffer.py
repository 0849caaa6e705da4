"""The Redis stream between the collect endpoint and the events table.

Collect appends enriched rows (never a raw IP); one drainer process reads them through a consumer
group, stores them with COPY, then acknowledges and deletes them. An entry is acknowledged only
after its rows are committed, and the drain checkpoint (see ingest.drain) makes a re-delivery
after a crash between commit and acknowledge a no-op, so nothing is lost or stored twice.

Redis is a buffer here, not a cache: run it with `appendonly yes` and `maxmemory-policy
noeviction` (scripts/ensure-services.sh does for the Redis it starts). The stream is capped at
TRAILMARK_BUFFER_MAX_EVENTS: past it collect refuses events (503) rather than accept what it
could not keep.
"""

import enum
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

from analytics_site.ratelimit import RateLimitUsage, rate_parse
from analytics_site.redis_keys import deleted_websites_key, redis_client, redis_key
from ingest.rows import EventRow

DRAIN_GROUP = "drainer"
DRAIN_CONSUMER = "drainer"


def events_stream() -> str:
    return redis_key("events")


def events_epoch_key() -> str:
    return redis_key("events", "epoch")


def buffer_client() -> redis.Redis:
    return redis_client()


class BufferOutcome(enum.Enum):
    BUFFERED = "buffered"
    COUNTED = "counted"  # over the limit, or no row to buffer: only counted
    WEBSITE_DELETED = "deleted"
    FULL = "full"


# The collect hot path counts the client's request and appends its event in one round trip: a
# fixed window per client (INCR, EXPIRE on the first hit); the event is appended only when the
# client is within its limit, its website is not deleted and the stream is below its cap.
_COUNT_AND_PUSH = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
local outcome = 'counted'
if count <= tonumber(ARGV[1]) and ARGV[3] ~= '' then
    if redis.call('SISMEMBER', KEYS[3], ARGV[4]) == 1 then
        outcome = 'deleted'
    elseif redis.call('XLEN', KEYS[2]) >= tonumber(ARGV[5]) then
        outcome = 'full'
    else
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'r', ARGV[3])
        outcome = 'buffered'
    end
end
return {count, redis.call('TTL', KEYS[1]), outcome}
"""


@cache
def _script(client: redis.Redis, source: str):
    return client.register_script(source)


@dataclass(frozen=True, slots=True)
class BufferPush:
    usage: RateLimitUsage
    outcome: BufferOutcome


def buffer_push_rate_limited(row: EventRow | None, *, client_key: str, rate: str) -> BufferPush:
    """Counts a collect request of `client_key` against `rate` and buffers `row` if allowed.

    With no row (an invalid or unknown-site request) the request is only counted. One Redis
    round trip: on this path it costs a third of django-ratelimit's two cache calls plus a
    separate XADD (see README, "Event collection").
    """
    limit, window = rate_parse(rate)
    client = buffer_client()
    counter = redis_key("ratelimit", "collect", client_key)
    count, ttl, outcome = _script(client, _COUNT_AND_PUSH)(
        keys=[counter, events_stream(), deleted_websites_key()],
        args=[
            limit,
            window,
            "" if row is None else json.dumps(row, separators=(",", ":")),
            "" if row is None else row.website_id,
            settings.TRAILMARK_BUFFER_MAX_EVENTS,
        ],
        client=client,
    )
    usage = RateLimitUsage(
        limit=limit,
        remaining=max(0, limit - count),
        reset_seconds=max(1, ttl),
        exceeded=count > limit,
    )
    return BufferPush(usage=usage, outcome=BufferOutcome(outcome.decode()))


# The epoch names this Redis's generation of the stream: it is created with the consumer group,
# and a Redis that lost its data (and so the epoch) starts a new one. The drain checkpoint is kept
# per epoch, so a new stream's entries are never mistaken for ones already stored.
_GROUP_ENSURE = """
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[1]) end
local created = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[2], '0', 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(created.err, 'BUSYGROUP') then
    return redis.error_reply(created.err)
end
return redis.call('GET', KEYS[2])
"""


def buffer_group_ensure() -> str:
    """Creates the stream and its consumer group if missing; returns the stream's epoch."""
    client = buffer_client()
    epoch = _script(client, _GROUP_ENSURE)(
        keys=[events_stream(), events_epoch_key()],
        args=[secrets.token_hex(8), DRAIN_GROUP],
        client=client,
    )
    return epoch.decode()


@dataclass(frozen=True, slots=True)
class BufferEntry:
    entry_id: str
    # The entry's payload as buffered (None for a pending entry deleted meanwhile); the drain
    # decodes it, so that an entry it cannot read is dead-lettered rather than crash the reader.
    payload: bytes | None
    deliveries: int = 1


def buffer_read(*, pending: bool, count: int, block_ms: int | None = None) -> list[BufferEntry]:
    """Up to `count` entries: ones delivered before but never acknowledged (`pending`), or new ones.

    Pending entries carry how many times they have been delivered, this reading included.
    """
    client = buffer_client()
    response = client.xreadgroup(
        DRAIN_GROUP,
        DRAIN_CONSUMER,
        {events_stream(): "0" if pending else ">"},
        count=count,
        block=None if pending else block_ms,
    )
    if not response or not response[0][1]:
        return []
    raw_entries = response[0][1]
    deliveries = {}
    if pending:
        first, last = raw_entries[0][0], raw_entries[-1][0]
        deliveries = {
            item["message_id"]: item["times_delivered"]
            for item in client.xpending_range(
                events_stream(), DRAIN_GROUP, min=first, max=last, count=len(raw_entries)
            )
        }
    return [
        BufferEntry(
            entry_id=entry_id.decode(),
            payload=fields.get(b"r", b"") if fields else None,
            deliveries=deliveries.get(entry_id, 1),
        )
        for entry_id, fields in raw_entries
    ]


def buffer_acknowledge(entry_ids: Sequence[str]) -> None:
    if not entry_ids:
        return
    pipe = buffer_client().pipeline(transaction=True)
    pipe.xack(events_stream(), DRAIN_GROUP, *entry_ids)
    pipe.xdel(events_stream(), *entry_ids)
    pipe.execute()


def buffer_depth() -> int:
    """Events accepted and not yet stored."""
    return buffer_client().xlen(events_stream())


def buffer_oldest_entry_ms() -> int | None:
    """When the oldest event still in the buffer was accepted (ms since the epoch), or None."""
    oldest = buffer_client().xrange(events_stream(), count=1)
    if not oldest:
        return None
    return int(oldest[0][0].split(b"-")[0])
