"""Production: hashed, compressed static files (run `manage.py collectstatic` on deploy)."""

from analytics_site.settings.base import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
