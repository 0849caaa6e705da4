"""The Redis stream between the collect endpoint and the events table.

Collect appends enriched rows (never a raw IP); one drainer process reads them through a consumer
group, stores them with COPY, then acknowledges and deletes them. An entry is acknowledged only
after its rows are committed, and the drain checkpoint (see ingest.services) makes a re-delivery
after a crash between commit and acknowledge a no-op, so nothing is lost or stored twice.
"""

import json
from functools import cache

import redis
from django.conf import settings

from analytics_site.ratelimit import RateLimitUsage, rate_parse

EVENTS_STREAM = "trailmark:events"
DEAD_LETTER_STREAM = "trailmark:events:dead"
DRAIN_GROUP = "drainer"
DRAIN_CONSUMER = "drainer"


@cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def buffer_client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)


# The collect hot path counts the client's request and appends its event in one round trip:
# a fixed window per client (INCR, EXPIRE on the first hit), the event appended only when the
# client is within its limit. Returns the count and the seconds left in the window.
_COUNT_AND_PUSH = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count <= tonumber(ARGV[1]) and ARGV[3] ~= '' then
    redis.call('XADD', KEYS[2], '*', 'r', ARGV[3])
end
return {count, redis.call('TTL', KEYS[1])}
"""


@cache
def _count_and_push_script(client: redis.Redis):
    return client.register_script(_COUNT_AND_PUSH)


def buffer_push_rate_limited(row: list | None, *, client_key: str, rate: str) -> RateLimitUsage:
    """Counts a collect request of `client_key` against `rate` and buffers `row` if allowed.

    With no row (an invalid or unknown-site request) the request is only counted. One Redis
    round trip: on this path it costs a third of django-ratelimit's two cache calls plus a
    separate XADD (see README, "Event collection").
    """
    limit, window = rate_parse(rate)
    client = buffer_client()
    count, ttl = _count_and_push_script(client)(
        keys=[f"trailmark:ratelimit:collect:{client_key}", EVENTS_STREAM],
        args=[limit, window, "" if row is None else json.dumps(row, separators=(",", ":"))],
        client=client,
    )
    return RateLimitUsage(
        limit=limit,
        remaining=max(0, limit - count),
        reset_seconds=max(1, ttl),
        exceeded=count > limit,
    )


def buffer_group_ensure() -> None:
    try:
        buffer_client().xgroup_create(EVENTS_STREAM, DRAIN_GROUP, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def buffer_read(
    *, pending: bool, count: int, block_ms: int | None = None
) -> list[tuple[str, list | None]]:
    """Up to `count` entries: ones delivered before but never acknowledged (`pending`), or new ones.

    Returns (entry id, row) pairs in stream order; the row is None for a pending entry that was
    deleted meanwhile (it only needs acknowledging).
    """
    response = buffer_client().xreadgroup(
        DRAIN_GROUP,
        DRAIN_CONSUMER,
        {EVENTS_STREAM: "0" if pending else ">"},
        count=count,
        block=None if pending else block_ms,
    )
    if not response:
        return []
    entries = response[0][1]
    return [
        (entry_id.decode(), json.loads(fields[b"r"]) if fields else None)
        for entry_id, fields in entries
    ]


def buffer_acknowledge(entry_ids: list[str]) -> None:
    if not entry_ids:
        return
    pipe = buffer_client().pipeline(transaction=True)
    pipe.xack(EVENTS_STREAM, DRAIN_GROUP, *entry_ids)
    pipe.xdel(EVENTS_STREAM, *entry_ids)
    pipe.execute()


def buffer_dead_letter(rows: list[list], reason: str) -> None:
    """Keeps rows that PostgreSQL refused, for an operator to inspect."""
    pipe = buffer_client().pipeline(transaction=False)
    for row in rows:
        pipe.xadd(DEAD_LETTER_STREAM, {"r": json.dumps(row), "reason": reason[:500]})
    pipe.execute()
