"""django-axes' cache handler for the admin sign-in throttle, open when Redis is away.

The failure counters live in Redis. Without it, axes' own handler raises on every sign-in: a 500
on the admin login, at the very moment an operator needs the admin. Like the API's rate limits
(RATELIMIT_FAIL_OPEN), the throttle then lets sign-ins through, logged; passwords are still
checked, and hashed slowly.
"""

import logging

from axes.handlers.cache import AxesCacheHandler
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
