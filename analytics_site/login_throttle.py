"""django-axes for the admin sign-in throttle: its middleware on the admin only, and its cache
handler open when Redis is away.

The failure counters live in Redis. Without it, axes' own handler raises on every sign-in: a 500
on the admin login, at the very moment an operator needs the admin. Like the API's rate limits
(RATELIMIT_FAIL_OPEN), the throttle then lets sign-ins through, logged; passwords are still
checked, and hashed slowly.
"""

import logging

from axes.handlers.cache import AxesCacheHandler
from axes.middleware import AxesMiddleware
from django.http import HttpRequest, HttpResponse
from redis import RedisError

logger = logging.getLogger(__name__)


class FailOpenAxesCacheHandler(AxesCacheHandler):
    def get_failures(self, request, credentials=None) -> int:
        try:
            return super().get_failures(request, credentials)
        except RedisError:
            logger.warning("Admin sign-in throttle unavailable (Redis): sign-in let through")
            return 0

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        try:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        except RedisError:
            logger.warning("Admin sign-in throttle unavailable (Redis): failure not counted")

    def user_logged_in(self, sender, request, user, **kwargs):
        try:
            return super().user_logged_in(sender, request, user, **kwargs)
        except RedisError:
            logger.warning("Admin sign-in throttle unavailable (Redis): failures not reset")


class AdminAxesMiddleware(AxesMiddleware):
    """axes' lockout page where sign-ins happen (the admin); every other route, collect's hot path
    first, skips its per-request cost (~4% of a collect request in-process)."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith("/admin/"):
            return self.get_response(request)
        return super().__call__(request)
