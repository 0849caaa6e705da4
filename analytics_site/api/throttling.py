"""DRF throttles over the shared Redis rate limiter (analytics_site.ratelimit)."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from analytics_site.ratelimit import rate_limit_hit


class ApiKeyRateThrottle(BaseThrottle):
    """TRAILMARK_API_RATE per API key, on every authenticated route."""

    def allow_request(self, request, view) -> bool:
        self.retry_after = None
        if request.user is None:
            return True
        usage = rate_limit_hit(
            request._request,
            group="api",
            key=str(request.user.pk),
            rate=settings.TRAILMARK_API_RATE,
        )
        if usage is not None and usage.exceeded:
            self.retry_after = usage.reset_seconds
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after
