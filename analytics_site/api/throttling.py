"""Fixed-window rate limits counted in Redis (django-ratelimit through Django's cache)."""

import logging
from dataclasses import dataclass

import redis
from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

from analytics_site.net import client_ip

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimitUsage:
    limit: int
    remaining: int
    reset_seconds: int


class RedisRateThrottle(BaseThrottle):
    """Counts a request against `group` for the caller's key at the rate named by `rate_setting`.

    The usage is left on the request for `RateLimitHeadersMiddleware` to report.
    """

    group: str
    rate_setting: str

    def caller_key(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self.retry_after = None
        key = self.caller_key(request)
        if key is None:
            return True
        try:
            usage = get_usage(
                request._request,
                group=self.group,
                key=lambda group, http_request: key,
                rate=getattr(settings, self.rate_setting),
                increment=True,
            )
        except redis.RedisError:
            # The counters are a guard, not the product: without Redis, serve unlimited.
            logger.warning("Rate limit counters unavailable; request let through", exc_info=True)
            return True
        if usage is None:
            return True
        reset_seconds = max(1, usage["time_left"])
        request._request.ratelimit_usage = RateLimitUsage(
            limit=usage["limit"],
            remaining=max(0, usage["limit"] - usage["count"]),
            reset_seconds=reset_seconds,
        )
        if usage["should_limit"]:
            self.retry_after = reset_seconds
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after


class ApiKeyRateThrottle(RedisRateThrottle):
    group = "api"
    rate_setting = "TRAILMARK_API_RATE"

    def caller_key(self, request) -> str | None:
        return None if request.user is None else str(request.user.pk)


class CollectRateThrottle(RedisRateThrottle):
    group = "collect"
    rate_setting = "TRAILMARK_COLLECT_RATE"

    def caller_key(self, request) -> str | None:
        return client_ip(request._request)
