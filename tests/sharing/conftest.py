"""The reports' hand-built week ("now" is 2026-03-10 12:00 UTC) as the shared links' data."""

from tests.reports.conftest import dataset, frozen_now  # noqa: F401  (fixtures)
