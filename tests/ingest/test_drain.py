"""The buffer → PostgreSQL drain: nothing accepted is lost or stored twice, whatever dies when."""

import signal
import time

import pytest
from django.utils import timezone

from ingest import buffer
from ingest.buffer import buffer_client, events_stream
from ingest.drain import _store_entries, events_buffer_drain
from ingest.models import DeadLetter, DrainCheckpoint, Event
from tests.ingest.helpers import event_body, post_event
from tests.processes import drainer_start, process_stop
from websites.models import Website

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
    assert buffer_client().xlen(events_stream()) == 0


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
    epoch = buffer.buffer_group_ensure()
    entries = buffer.buffer_read(pending=False, count=100)

    # The drainer dies right after its commit, before acknowledging the entries.
    def die(entry_ids):
        raise SystemExit("killed")

    monkeypatch.setattr(buffer, "buffer_acknowledge", die)
    with pytest.raises(SystemExit):
        _store_entries(entries, epoch=epoch)
    monkeypatch.undo()

    assert Event.objects.filter(website=website).count() == 5
    events_buffer_drain()
    assert Event.objects.filter(website=website).count() == 5
    assert buffer_client().xlen(events_stream()) == 0
    assert DrainCheckpoint.objects.get().last_entry_id == entries[-1].entry_id


def test_rows_of_a_website_deleted_meanwhile_are_dropped(website, settings):
    push(website, 2)
    # Deleted, awaiting its purge (see websites.services.website_delete).
    Website.all_objects.filter(pk=website.pk).update(deleted_at=timezone.now())
    assert events_buffer_drain() == 0
    assert buffer_client().xlen(events_stream()) == 0
    assert not DeadLetter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_killing_the_drainer_process_loses_nothing(tenant, settings):
    """A real drainer process, killed with SIGKILL mid-stream and restarted."""
    from tests.factories import website_make

    settings.TRAILMARK_COLLECT_RATE = "100000/10s"
    site = website_make(account=tenant.account)
    total = 1000
    push(site, total)

    drainer = drainer_start("--batch-size", "10")
    deadline = time.monotonic() + 30
    while Event.objects.filter(website=site).count() == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    drainer.send_signal(signal.SIGKILL)
    drainer.wait()
    assert Event.objects.filter(website=site).count() < total, "killed too late to prove anything"

    drainer = drainer_start("--batch-size", "10")
    try:
        while buffer_client().xlen(events_stream()) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process_stop(drainer)
    assert Event.objects.filter(website=site).count() == total
