"""Tests: real PostgreSQL and Redis (a Redis database of their own), deterministic secrets."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("TRAILMARK_REDIS_PREFIX", "trailmark-test")

from analytics_site.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# django-axes refuses logins that carry no request, as the test client's `login()` does; the
# tests of the admin's lockout turn it on (tests/core/test_admin_login.py).
AXES_ENABLED = False
WHITENOISE_USE_FINDERS = True

# Parallel test runs on one machine (several checkouts) each name their own test database.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_trailmark")}  # noqa: F405
