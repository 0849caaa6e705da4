"""A report that runs past TRAILMARK_STATEMENT_TIMEOUT_MS answers 503, not a killed worker."""

import pytest
from django.db import connection

from ingest.partitions import event_partitions_ensure
from tests.envelope import assert_error
from tests.reports.conftest import NOW

pytestmark = pytest.mark.django_db


def test_connections_carry_the_statement_timeout(settings):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')::interval")
        (timeout,) = cursor.fetchone()
    assert timeout.total_seconds() * 1000 == settings.TRAILMARK_STATEMENT_TIMEOUT_MS > 0
    assert settings.TRAILMARK_STATEMENT_TIMEOUT_MS < 30_000  # gunicorn's worker timeout


def test_a_report_past_the_timeout_answers_503(tenant, website):
    event_partitions_ensure(months=[NOW.date()])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ingest_event (website_id, timestamp, event_type, path, referrer_channel,
                browser_family, os_family, device_type, screen_bucket, ip_hash, is_bot,
                is_excluded)
            SELECT %s, %s - n * interval '100 milliseconds', 1, '/p' || (n %% 300), 1, 'Chrome',
                'Windows', 1, 4, md5(n::text)::uuid, false, false
            FROM generate_series(1, 50000) AS n
            """,
            [website.id, NOW],  # today for the reports (frozen by conftest)
        )
        # For the rest of this test's transaction, as the setting does for a connection.
        cursor.execute("SET LOCAL statement_timeout = '1ms'")

    response = tenant.client.get(f"/api/v1/reports/pages?website_id={website.id}&period=today")

    message = assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert "took too long" in message
