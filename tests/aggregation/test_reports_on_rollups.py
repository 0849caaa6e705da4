"""The hand-built report tests of tests/reports, run again with past days read from rollups.

The data set of tests/reports/conftest.py is aggregated day by day from its first day (2026-03-02;
an aggregated day counts as a day of the website for `period=all`) to yesterday, except
2026-03-05, which stays raw; today is always raw. Every expectation of test_metrics.py,
test_api.py and test_funnel_realtime_filters.py (which then reads stored sessions) must hold
unchanged.
"""

from datetime import date, timedelta

import pytest

from aggregation.models import AggregationDay
from aggregation.services import day_aggregate
from tests.reports.conftest import dataset, fetch, frozen_now  # noqa: F401  (fixtures)
from tests.reports.test_api import *  # noqa: F403
from tests.reports.test_funnel_realtime_filters import *  # noqa: F403
from tests.reports.test_metrics import *  # noqa: F403

FIRST = date(2026, 3, 2)
YESTERDAY = date(2026, 3, 9)
LEFT_RAW = date(2026, 3, 5)


@pytest.fixture(autouse=True)
def _aggregated(request):
    """Aggregates the data set's past days before a test reads it."""
    if "dataset" not in request.fixturenames:
        return
    website = request.getfixturevalue("dataset")
    day = FIRST
    while day <= YESTERDAY:
        if day != LEFT_RAW:
            day_aggregate(website_id=website.pk, day=day)
        day += timedelta(days=1)
    assert AggregationDay.objects.aggregated().filter(website=website).count() == 7
