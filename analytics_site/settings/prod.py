"""Production: hashed, compressed static files (run `manage.py collectstatic` on deploy), and
API keys under a secret of their own."""

from django.core.exceptions import ImproperlyConfigured

from analytics_site.settings.base import *  # noqa: F403

# Keys under SECRET_KEY would all stop working when it is rotated; it may stay as an older secret
# while keys move to the new one (see README, "Configuration").
if TRAILMARK_KEY_SECRETS[0] == SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "TRAILMARK_KEY_SECRET must be set in production, to a secret other than SECRET_KEY."
    )

STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
