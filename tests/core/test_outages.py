"""Long-running work waits out a lost database connection instead of failing."""

import pytest
from django.db import connection

from analytics_site.outages import Backoff, through_outages
from tests.processes import other_session


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_call_whose_connection_is_killed_runs_again_on_a_new_one():
    killed = backend_pid()
    # An outage, as the server sees it: it ends our session from another one.
    with other_session() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [killed])
    attempts = []

    def query() -> int:
        attempts.append(1)
        return backend_pid()

    assert through_outages(query, what="A query") != killed
    assert len(attempts) == 2


def test_backoff_doubles_to_its_maximum_and_starts_over_after_a_success():
    backoff = Backoff(first=1, maximum=4)
    pauses = [backoff.failed() for _ in range(4)]
    for pause, expected in zip(pauses, [1, 2, 4, 4], strict=True):
        assert expected * 0.8 <= pause <= expected * 1.2
    backoff.succeeded()
    assert backoff.failed() <= 1.2
