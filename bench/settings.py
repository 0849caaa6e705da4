"""Benchmark server settings: production settings plus a no-op endpoint to compare against."""

from analytics_site.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
