"""Benchmark server settings: production settings plus a no-op endpoint to compare against."""

from analytics_site.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The benchmarks render pages without running collectstatic first: plain static URLs.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
