"""Fixed-window rate limits counted in Redis (django-ratelimit through Django's cache).

`rate_limit_hit` and `rate_limit_peek` serve the API's limits (analytics_site.api.throttling),
and `RateLimitHeadersMiddleware` reports the usage a limit leaves on the request. The collect
endpoint counts in the same kind of window but in one Lua call with its buffer append
(ingest.buffer). Keys passed here are never raw client addresses (see analytics_site.net).
"""

import logging
import re
from dataclasses import dataclass

import redis
from django.http import HttpRequest
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimitUsage:
    limit: int
    remaining: int
    reset_seconds: int
    exceeded: bool


_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """ "10/10s" -> (10, 10): the limit and the window in seconds (django-ratelimit's syntax)."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"Invalid rate {rate!r}: expected e.g. 10/10s, 60/m, 1000/h.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _PERIOD_SECONDS[unit]


def rate_limit_hit(
    request: HttpRequest, *, group: str, key: str, rate: str
) -> RateLimitUsage | None:
    """Counts one request of `key` against `group` at `rate` (e.g. "10/10s").

    Returns the usage, or None when the counters are unavailable: the limits are a guard, not the
    product, so without Redis requests go through.
    """
    return _usage(request, group=group, key=key, rate=rate, increment=True)


def rate_limit_peek(
    request: HttpRequest, *, group: str, key: str, rate: str
) -> RateLimitUsage | None:
    """The usage of `key` in `group` so far, without counting this request."""
    return _usage(request, group=group, key=key, rate=rate, increment=False)


def _usage(
    request: HttpRequest, *, group: str, key: str, rate: str, increment: bool
) -> RateLimitUsage | None:
    try:
        usage = get_usage(
            request, group=group, key=lambda group, request: key, rate=rate, increment=increment
        )
    except redis.RedisError:
        logger.warning("Rate limit counters unavailable; request let through", exc_info=True)
        return None
    if usage is None:
        return None
    return RateLimitUsage(
        limit=usage["limit"],
        remaining=max(0, usage["limit"] - usage["count"]),
        # The window still counts at its last second (time_left == 0): a new one starts a second
        # later, so a client that waits `time_left` seconds would be refused again.
        reset_seconds=max(1, usage["time_left"] + 1),
        exceeded=usage["should_limit"],
    )
