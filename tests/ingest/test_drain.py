"""The buffer → PostgreSQL drain: nothing accepted is lost or stored twice, whatever dies when."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from ingest import buffer
from ingest.buffer import EVENTS_STREAM, buffer_client
from ingest.models import DrainCheckpoint, Event
from ingest.services import _store_entries, events_buffer_drain
from tests.ingest.helpers import event_body, post_event

pytestmark = pytest.mark.django_db


def push(website, count: int) -> None:
    for index in range(count):
        assert (
            post_event(
                event_body(website, path=f"/p{index}"), ip=f"10.9.{index // 250}.{index % 250}"
            ).status_code
            == 202
        )


def test_drain_stores_everything_and_empties_the_buffer(website, settings):
    settings.TRAILMARK_COLLECT_RATE = "1000/10s"
    push(website, 25)
    assert events_buffer_drain(batch_size=10) == 25
    assert Event.objects.filter(website=website).count() == 25
    assert buffer_client().xlen(EVENTS_STREAM) == 0


def test_a_batch_read_but_never_stored_is_stored_by_the_next_drain(website, settings):
    settings.TRAILMARK_COLLECT_RATE = "1000/10s"
    push(website, 5)
    buffer.buffer_group_ensure()
    # A drainer read these and died before storing them: they stay pending.
    assert len(buffer.buffer_read(pending=False, count=100)) == 5
    assert events_buffer_drain() == 5
    assert Event.objects.filter(website=website).count() == 5


def test_a_batch_stored_but_never_acknowledged_is_not_stored_twice(website, settings, monkeypatch):
    settings.TRAILMARK_COLLECT_RATE = "1000/10s"
    push(website, 5)
    buffer.buffer_group_ensure()
    entries = buffer.buffer_read(pending=False, count=100)

    # The drainer dies right after its commit, before acknowledging the entries.
    def die(entry_ids):
        raise SystemExit("killed")

    monkeypatch.setattr(buffer, "buffer_acknowledge", die)
    with pytest.raises(SystemExit):
        _store_entries(entries)
    monkeypatch.undo()

    assert Event.objects.filter(website=website).count() == 5
    events_buffer_drain()
    assert Event.objects.filter(website=website).count() == 5
    assert buffer_client().xlen(EVENTS_STREAM) == 0
    assert DrainCheckpoint.objects.get().last_entry_id == entries[-1][0]


def test_rows_of_a_website_deleted_meanwhile_are_dropped(website, settings):
    push(website, 2)
    website.delete()
    assert events_buffer_drain() == 0
    assert buffer_client().xlen(EVENTS_STREAM) == 0


@pytest.mark.django_db(transaction=True)
def test_killing_the_drainer_process_loses_nothing(tenant, settings):
    """A real drainer process, killed with SIGKILL mid-stream and restarted."""
    from tests.factories import website_make

    settings.TRAILMARK_COLLECT_RATE = "100000/10s"
    site = website_make(account=tenant.account)
    total = 1000
    push(site, total)

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "analytics_site.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    command = [sys.executable, "manage.py", "drain_events", "--batch-size", "10"]
    drainer = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
    deadline = time.monotonic() + 30
    while Event.objects.filter(website=site).count() == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    drainer.send_signal(signal.SIGKILL)
    drainer.wait()
    assert Event.objects.filter(website=site).count() < total, "killed too late to prove anything"

    drainer = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
    try:
        while buffer_client().xlen(EVENTS_STREAM) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        drainer.send_signal(signal.SIGTERM)
        drainer.wait(timeout=10)
    assert Event.objects.filter(website=site).count() == total
