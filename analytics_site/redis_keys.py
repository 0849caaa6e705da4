"""The project's Redis connection and every key it writes, under one configurable prefix.

Two deployments (or a test run and `make run`) may share one Redis database: each names its keys
under its own `TRAILMARK_REDIS_PREFIX`, so neither reads the other's buffer, counters or locks.
"""

from functools import cache

import redis
from django.conf import settings


@cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def redis_client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)


def redis_key(*parts: str) -> str:
    """`<prefix>:<part>:<part>…`, e.g. redis_key("events") -> "trailmark:events"."""
    return ":".join((settings.TRAILMARK_REDIS_PREFIX, *parts))


def deleted_websites_key() -> str:
    """The set of deleted websites' ids, filled by their deletion: collect answers them 204 at
    once, before its per-process site cache learns of it."""
    return redis_key("websites", "deleted")
