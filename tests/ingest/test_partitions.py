"""Creating a partition never leaves the drainer queued behind it for long."""

from datetime import date

import psycopg
import pytest
from django.db import OperationalError, connection, transaction

from ingest.partitions import event_partition_exists, event_partitions_ensure
from tests.processes import other_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_partition_creation_gives_up_while_the_events_table_is_busy_and_succeeds_later():
    month = date(2091, 3, 1)
    with other_session() as report:
        report.execute("SET lock_timeout = '10s'")  # a broken test fails rather than hangs
        report.execute("LOCK TABLE ingest_event IN ACCESS SHARE MODE")  # a long report
        with pytest.raises(OperationalError) as raised:
            event_partitions_ensure(months=[month])
    assert isinstance(raised.value.__cause__, psycopg.errors.LockNotAvailable)
    assert not event_partition_exists(month=month)

    with transaction.atomic(), connection.cursor() as cursor:  # as in the drainer's batch
        event_partitions_ensure(months=[month])
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"  # the batch's own statements wait as before
    assert event_partition_exists(month=month)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE ingest_event_y2091m03")
