"""Production: hashed, compressed static files (run `manage.py collectstatic` on deploy)."""

from analytics_site.settings.base import *  # noqa: F403

STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
