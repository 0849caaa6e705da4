"""The API's rate limits, counted in Redis (analytics_site.ratelimit) before any key look-up.

DRF runs its throttles after authentication, that is after the key's PostgreSQL look-up, so a
flood of requests would reach the database before being refused. These limits are therefore
applied by ApiKeyAuthentication itself, keyed on what needs no database:

- TRAILMARK_API_RATE per API key, keyed on the key's HMAC digest; reported in X-RateLimit-*.
- TRAILMARK_AUTH_FAILURE_RATE invalid keys per client (its `client_key`, never its address): a
  client that used up its allowance gets 429 whatever key it presents, until the window ends.
"""

from django.conf import settings
from django.http import HttpRequest
from rest_framework.exceptions import Throttled

from analytics_site.ratelimit import rate_limit_hit, rate_limit_peek

_API_GROUP = "api"
_AUTH_FAILURES_GROUP = "api-auth-failures"


def api_key_rate_check(request: HttpRequest, *, digest: str) -> None:
    """Counts a request of the key with this digest; raises Throttled when it is over its rate."""
    usage = rate_limit_hit(request, group=_API_GROUP, key=digest, rate=settings.TRAILMARK_API_RATE)
    if usage is None:
        return
    request.ratelimit_usage = usage  # for RateLimitHeadersMiddleware
    if usage.exceeded:
        raise Throttled(wait=usage.reset_seconds)


def auth_failures_check(request: HttpRequest, *, client: str) -> None:
    """Raises Throttled when `client` has presented as many invalid keys as its rate allows."""
    usage = rate_limit_peek(
        request, group=_AUTH_FAILURES_GROUP, key=client, rate=settings.TRAILMARK_AUTH_FAILURE_RATE
    )
    if usage is not None and usage.remaining == 0:
        raise Throttled(wait=usage.reset_seconds)


def auth_failure_count(request: HttpRequest, *, client: str) -> None:
    rate_limit_hit(
        request, group=_AUTH_FAILURES_GROUP, key=client, rate=settings.TRAILMARK_AUTH_FAILURE_RATE
    )
