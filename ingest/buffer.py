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

EVENTS_STREAM = "trailmark:events"
DEAD_LETTER_STREAM = "trailmark:events:dead"
DRAIN_GROUP = "drainer"
DRAIN_CONSUMER = "drainer"


@cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def buffer_client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)


def buffer_push(row: list) -> None:
    buffer_client().xadd(EVENTS_STREAM, {"r": json.dumps(row, separators=(",", ":"))})


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
