"""The drainer never stops: poison rows, outages and lost Redis data cost it nothing it accepted."""

import json
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from ingest import buffer
from ingest.buffer import buffer_client, events_stream
from ingest.drain import MAX_DELIVERIES, _store_entries, dead_letters_replay, events_buffer_drain
from ingest.models import DeadLetter, DrainCheckpoint, Event
from tests.factories import website_make
from tests.ingest.helpers import event_body, post_event
from tests.processes import drainer_start, process_env, process_stop

pytestmark = pytest.mark.django_db


def buffered_rows() -> list[list]:
    return [json.loads(fields[b"r"]) for _, fields in buffer_client().xrange(events_stream())]


def a_good_row(website) -> list:
    """The buffered row of one real collected event (then taken out of the buffer)."""
    assert post_event(event_body(website, path="/template")).status_code == 202
    (row,) = buffered_rows()
    buffer_client().delete(events_stream())
    return row


def poison(row: list, **changes) -> list:
    from ingest.rows import EVENT_COLUMNS

    poisoned = list(row)
    for column, value in changes.items():
        poisoned[EVENT_COLUMNS.index(column)] = value
    return poisoned


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_drainer_process_dead_letters_every_poison_kind_and_goes_on(tenant, settings):
    settings.TRAILMARK_COLLECT_RATE = "100000/10s"
    site = website_make(account=tenant.account)
    template = a_good_row(site)
    poisons = {
        "non-finite JSON": json.dumps(poison(template, properties='{"v":Infinity}')),
        "NUL in a UTM value": json.dumps(poison(template, utm_source="a\x00b")),
        "content group too wide": json.dumps(poison(template, content_group=" " * 97 + "Blog")),
        "path too wide": json.dumps(poison(template, path="/" + "x" * 2000)),
        "unknown website": json.dumps(poison(template, website_id=str(uuid.uuid4()))),
        "not JSON": "{not json",
        "wrong shape": json.dumps([1, 2, 3]),
    }
    stream = events_stream()
    good_paths = []
    for index, payload in enumerate(poisons.values()):
        for _ in range(3):
            good_paths.append(f"/good/{len(good_paths)}")
            buffer_client().xadd(stream, {"r": json.dumps(poison(template, path=good_paths[-1]))})
        buffer_client().xadd(stream, {"r": payload})
        assert index == len(good_paths) // 3 - 1
    last_entry_id = buffer_client().xrevrange(stream, count=1)[0][0].decode()

    drainer = drainer_start("--batch-size", "100", "--interval", "0.05")
    try:
        wait_until(lambda: buffer_client().xlen(stream) == 0)
        wait_until(lambda: DeadLetter.objects.count() == len(poisons))
        assert drainer.poll() is None, "the drainer died"
    finally:
        assert process_stop(drainer) == 0

    stored = sorted(Event.objects.filter(website=site).values_list("path", flat=True))
    assert stored == sorted(good_paths)
    reasons = list(DeadLetter.objects.order_by("id").values_list("reason", flat=True))
    assert len(reasons) == len(poisons)
    assert "json" in reasons[0].lower()
    assert "0x00" in reasons[1] or "nul" in reasons[1].lower()
    assert "too long" in reasons[2]
    assert "too long" in reasons[3]
    assert "unknown website" in reasons[4]
    assert reasons[5].startswith("not an event row")
    assert reasons[6].startswith("not an event row")
    assert DrainCheckpoint.objects.get().last_entry_id == last_entry_id


def a_previous_version_row(website, path: str) -> list:
    """A row as the version before utm_term and utm_content buffered it: their 20 first fields."""
    from ingest.rows import EVENT_COLUMNS

    row = poison(a_good_row(website), path=path)
    assert EVENT_COLUMNS[20:] == ("utm_term", "utm_content")
    return row[:20]


def test_a_row_buffered_by_the_previous_version_is_stored_not_dead_lettered(website):
    buffer_client().xadd(
        events_stream(), {"r": json.dumps(a_previous_version_row(website, "/old"))}
    )
    assert post_event(event_body(website, path="/new", utm_term="t")).status_code == 202
    assert events_buffer_drain() == 2
    assert not DeadLetter.objects.exists()
    stored = Event.objects.values_list(
        "path", "utm_source", "utm_campaign", "utm_term", "utm_content"
    )
    assert sorted(stored) == [
        ("/new", "twitter", "launch", "t", None),
        ("/old", "twitter", "launch", None, None),
    ]


def test_a_dead_letter_of_the_previous_version_replays(website):
    row = a_previous_version_row(website, "/old")
    DeadLetter.objects.create(entry_id="1-0", payload=json.dumps(row), reason="was refused")
    result = dead_letters_replay()
    assert (result.stored, result.dead_lettered) == (1, 0)
    assert Event.objects.get().path == "/old"
    assert not DeadLetter.objects.exists()


def test_entries_of_no_known_row_length_are_dead_lettered(website):
    row = a_good_row(website)
    shapes = [row[:19], row[:21], [*row, None], dict(enumerate(row))]
    for shape in shapes:
        buffer_client().xadd(events_stream(), {"r": json.dumps(shape)})
    assert events_buffer_drain() == 0
    reasons = list(DeadLetter.objects.order_by("id").values_list("reason", flat=True))
    assert len(reasons) == len(shapes)
    assert all(reason.startswith("not an event row") for reason in reasons)


def test_an_entry_delivered_too_often_is_dead_lettered(website):
    assert post_event(event_body(website)).status_code == 202
    buffer.buffer_group_ensure()
    # Drains that died holding it: read, never stored nor acknowledged, again and again.
    assert len(buffer.buffer_read(pending=False, count=10)) == 1
    for _ in range(MAX_DELIVERIES - 1):
        assert len(buffer.buffer_read(pending=True, count=10)) == 1
    assert events_buffer_drain() == 0
    letter = DeadLetter.objects.get()
    assert letter.reason == f"delivered {MAX_DELIVERIES + 1} times without being stored"
    assert json.loads(letter.payload)[0] == str(website.id)
    assert buffer_client().xlen(events_stream()) == 0


def test_a_redis_that_lost_its_data_cannot_make_new_events_look_stored(website):
    assert post_event(event_body(website, path="/before")).status_code == 202
    assert events_buffer_drain() == 1
    # The checkpoint points far ahead of anything this Redis will write (a clock that ran fast,
    # or a Redis restored from elsewhere) ...
    DrainCheckpoint.objects.update(last_entry_id=f"{int(time.time() * 1000) + 10**9}-0")
    # ... and Redis loses everything, its epoch included.
    buffer_client().flushdb()
    assert post_event(event_body(website, path="/after")).status_code == 202
    assert events_buffer_drain() == 1
    assert set(Event.objects.values_list("path", flat=True)) == {"/before", "/after"}


def test_the_checkpoint_only_moves_forward(website, settings):
    settings.TRAILMARK_COLLECT_RATE = "1000/10s"
    for path in ("/a", "/b"):
        assert post_event(event_body(website, path=path)).status_code == 202
    epoch = buffer.buffer_group_ensure()
    first, second = buffer.buffer_read(pending=False, count=10)
    _store_entries([second], epoch=epoch)
    # A late re-delivery of an older entry does not move the checkpoint back.
    _store_entries([first], epoch=epoch)
    assert DrainCheckpoint.objects.get().last_entry_id == second.entry_id


@pytest.mark.django_db(transaction=True)
def test_drain_once_takes_the_single_drainer_lock(website):
    assert post_event(event_body(website)).status_code == 202
    from ingest.drain import drainer_lock_release, drainer_lock_try

    command = [sys.executable, "manage.py", "drain_events", "--once", "--wait", "1"]
    assert drainer_lock_try()  # another drainer holds it
    try:
        held = subprocess.run(
            command, env=process_env(), cwd=settings.BASE_DIR, capture_output=True, text=True
        )
    finally:
        drainer_lock_release()
    assert held.returncode != 0
    assert "Another drainer held the lock" in held.stderr
    assert Event.objects.count() == 0

    free = subprocess.run(
        command, env=process_env(), cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert free.returncode == 0, free.stderr
    assert "Stored 1 events" in free.stdout
    assert Event.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_drainer_survives_losing_its_database_connection(tenant, settings):
    settings.TRAILMARK_COLLECT_RATE = "100000/10s"
    site = website_make(account=tenant.account)
    drainer = drainer_start("--interval", "0.05")
    try:
        for round_number in range(3):
            for index in range(20):
                body = event_body(site, path=f"/r{round_number}/{index}")
                assert post_event(body).status_code == 202
            wait_until(lambda: buffer_client().xlen(events_stream()) == 0)
            # An outage: PostgreSQL drops every other session (the drainer's included).
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            assert drainer.poll() is None, "the drainer died"
        assert post_event(event_body(site, path="/last")).status_code == 202
        wait_until(lambda: Event.objects.filter(path="/last").exists())
    finally:
        assert process_stop(drainer) == 0
    assert Event.objects.filter(website=site).count() == 61
