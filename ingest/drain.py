"""The drainer's writes: buffered rows into the events table, each exactly once.

read → decode → store (COPY) → on refusal, split the batch and dead-letter the culprit →
checkpoint with the rows → acknowledge. Nothing a row holds can stop the drain: a row PostgreSQL
refuses, an entry that is not a row, an entry delivered too often (say, one that crashed the
process each time) is dead-lettered with its reason in the transaction that stores the rest.
"""

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import django.db
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analytics_site.calendar import quarter_hour_floor
from ingest import buffer
from ingest.buffer import BufferEntry
from ingest.models import DeadLetter, DrainCheckpoint, Event
from ingest.partitions import event_partitions_ensure
from ingest.rows import EVENT_COLUMNS, EventRow
from ingest.signals import events_stored
from websites.models import Website

logger = logging.getLogger(__name__)

_COPY_SQL = f"COPY ingest_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN"

# What PostgreSQL says when it refuses a row's values (class 22 data exceptions, class 23
# integrity violations). A raw COPY raises psycopg's own classes, `cursor.execute` Django's.
ROW_REFUSED = (
    django.db.DataError,
    django.db.IntegrityError,
    psycopg.DataError,
    psycopg.IntegrityError,
)

# An entry delivered this many times without being stored or dead-lettered (its drains kept
# dying) is dead-lettered whatever the cause.
MAX_DELIVERIES = 5

# Only one drainer may run: the checkpoint assumes a single reader of the stream.
_DRAINER_LOCK = 0x7472_6169_6C00


class RowRefused(Exception):
    """The rows given to events_store hold one PostgreSQL refuses."""


def events_store(rows: Sequence[EventRow]) -> int:
    """Stores rows with one COPY, creating missing monthly partitions first.

    Rows of websites deleted since they were collected are dropped, and `events_stored` is sent
    in the transaction (the rollup layer marks the days for (re-)aggregation). Call inside a
    transaction. Returns the rows stored; raises RowRefused when PostgreSQL refuses one of them
    (nothing of the call is kept then).
    """
    if not rows:
        return 0
    live = _live_websites({row.website_id for row in rows})
    rows = [row for row in rows if row.website_id in live]
    if not rows:
        return 0
    try:
        with transaction.atomic():
            event_partitions_ensure(months={date.fromisoformat(row.timestamp[:10]) for row in rows})
            with connection.cursor() as cursor, cursor.cursor.copy(_COPY_SQL) as copy:
                for row in rows:
                    copy.write_row(row)
            events_stored.send(
                sender=Event,
                website_instants={
                    (row.website_id, quarter_hour_floor(datetime.fromisoformat(row.timestamp)))
                    for row in rows
                },
            )
    except ROW_REFUSED as error:
        raise RowRefused(str(error).strip()) from error
    return len(rows)


def _live_websites(website_ids: set[str]) -> set[str]:
    # A plain read: it never waits on the locks of a website being deleted or purged.
    return {
        str(website_id)
        for website_id in Website.objects.filter(pk__in=website_ids).values_list("pk", flat=True)
    }


@dataclass
class DrainResult:
    stored: int = 0
    dead_lettered: int = 0
    dropped: int = 0  # rows of deleted websites
    entries: int = 0

    def add(self, other: "DrainResult") -> None:
        self.stored += other.stored
        self.dead_lettered += other.dead_lettered
        self.dropped += other.dropped
        self.entries += other.entries


def events_buffer_drain(*, batch_size: int = 5000, block_ms: int | None = None) -> int:
    """Stores buffered events until the buffer is empty; returns the number of rows stored."""
    return events_buffer_drain_result(batch_size=batch_size, block_ms=block_ms).stored


def events_buffer_drain_result(
    *, batch_size: int = 5000, block_ms: int | None = None
) -> DrainResult:
    """Drains the buffer: entries left pending by an interrupted drain first, then new ones.

    With `block_ms`, waits that long for new entries once the buffer is empty (the drainer's
    loop does this).
    """
    epoch = buffer.buffer_group_ensure()
    total = DrainResult()
    while True:
        entries = buffer.buffer_read(pending=True, count=batch_size)
        if not entries:
            entries = buffer.buffer_read(pending=False, count=batch_size, block_ms=block_ms)
        if not entries:
            return total
        total.add(_store_entries(entries, epoch=epoch))
        block_ms = None


@dataclass
class _Batch:
    """The entries of one read, sorted into what to store and what to dead-letter."""

    rows: list[tuple[str, EventRow]] = field(default_factory=list)
    dead: list[tuple[str, str, str]] = field(default_factory=list)  # (entry id, payload, reason)


def _store_entries(entries: Sequence[BufferEntry], *, epoch: str) -> DrainResult:
    result = DrainResult(entries=len(entries))
    with transaction.atomic():
        checkpoint = _checkpoint_for_update(epoch)
        after = _stream_id(checkpoint.last_entry_id) if checkpoint.epoch == epoch else (0, 0)
        # Entries up to the checkpoint were committed by a drain that died before acknowledging.
        batch = _decode([entry for entry in entries if _stream_id(entry.entry_id) > after])
        _set_aside_unknown_websites(batch)
        result.stored, refused = _store_splitting(batch.rows)
        batch.dead.extend((entry_id, _payload_text(row), why) for entry_id, row, why in refused)
        result.dead_lettered = len(batch.dead)
        result.dropped = len(batch.rows) - len(refused) - result.stored
        _dead_letter(batch.dead)
        last_entry_id = entries[-1].entry_id
        if checkpoint.epoch != epoch or _stream_id(last_entry_id) > after:
            checkpoint.epoch = epoch
            checkpoint.last_entry_id = last_entry_id
        checkpoint.updated_at = timezone.now()
        checkpoint.save()
    buffer.buffer_acknowledge([entry.entry_id for entry in entries])
    if result.dead_lettered:
        logger.error(
            "Dead-lettered %d of %d buffered entries (see `manage.py dead_letters`): %s",
            result.dead_lettered,
            len(entries),
            "; ".join(sorted({reason for _, _, reason in batch.dead}))[:1000],
        )
    if result.dropped:
        logger.info("Dropped %d events of deleted websites", result.dropped)
    return result


def _checkpoint_for_update(epoch: str) -> DrainCheckpoint:
    DrainCheckpoint.objects.get_or_create(pk=1, defaults={"epoch": epoch})
    checkpoint = DrainCheckpoint.objects.select_for_update().get(pk=1)
    if not checkpoint.epoch:
        checkpoint.epoch = epoch  # written before epochs existed: same stream
    return checkpoint


def _decode(entries: Iterable[BufferEntry]) -> _Batch:
    batch = _Batch()
    for entry in entries:
        if entry.payload is None:
            continue  # deleted from the stream meanwhile: only needs acknowledging
        text = entry.payload.decode("utf-8", "backslashreplace")
        if entry.deliveries > MAX_DELIVERIES:
            batch.dead.append(
                (entry.entry_id, text, f"delivered {entry.deliveries} times without being stored")
            )
            continue
        try:
            batch.rows.append((entry.entry_id, EventRow.from_buffer(json.loads(text))))
        except (ValueError, TypeError) as error:
            # Not a row of this version nor of an older one (EventRow.from_buffer): another
            # deployment's, or a corrupted entry.
            batch.dead.append((entry.entry_id, text, f"not an event row: {error}"))
    return batch


def _set_aside_unknown_websites(batch: _Batch) -> None:
    """Dead-letters rows of websites this database never had (or has purged since).

    Such a row is most likely another deployment's, sharing this Redis under the same prefix:
    kept and reported, never dropped in silence. Rows of websites deleted and awaiting their
    purge are the expected leftovers of a deletion: events_store drops them.
    """
    known = {
        str(website_id)
        for website_id in Website.all_objects.filter(
            pk__in={row.website_id for _, row in batch.rows if _is_uuid(row.website_id)}
        ).values_list("pk", flat=True)
    }
    kept = []
    for entry_id, row in batch.rows:
        if row.website_id in known:
            kept.append((entry_id, row))
        else:
            reason = f"unknown website {str(row.website_id)[:64]}"
            batch.dead.append((entry_id, _payload_text(row), reason))
    batch.rows = kept


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _store_splitting(
    rows: list[tuple[str, EventRow]],
) -> tuple[int, list[tuple[str, EventRow, str]]]:
    """Stores (entry id, row) pairs, splitting a refused batch in halves down to the culprits.

    Returns the rows stored and the refused pairs with PostgreSQL's reason: k bad rows of n cost
    about k·log2(n) extra COPYs, not n.
    """
    try:
        return events_store([row for _, row in rows]), []
    except RowRefused as refusal:
        if len(rows) == 1:
            return 0, [(*rows[0], str(refusal))]
    middle = len(rows) // 2
    stored_left, refused_left = _store_splitting(rows[:middle])
    stored_right, refused_right = _store_splitting(rows[middle:])
    return stored_left + stored_right, refused_left + refused_right


def _dead_letter(dead: list[tuple[str, str, str]]) -> None:
    if not dead:
        return
    DeadLetter.objects.bulk_create(
        DeadLetter(entry_id=entry_id, payload=payload.replace("\x00", "\\u0000"), reason=reason)
        for entry_id, payload, reason in sorted(dead, key=lambda letter: _stream_id(letter[0]))
    )
    # The cap: the oldest go. One indexed statement, only when over it.
    cap = settings.TRAILMARK_DEAD_LETTER_MAX
    oldest_kept = (
        DeadLetter.objects.order_by("-id").values_list("id", flat=True)[cap - 1 : cap].first()
    )
    if oldest_kept is not None:
        DeadLetter.objects.filter(id__lt=oldest_kept).delete()


def dead_letters_replay(*, ids: Iterable[int] | None = None) -> DrainResult:
    """Stores dead letters again (all, or the given ids); refused ones stay, with a new reason.

    For rows refused by a cause since fixed (a missing partition, a deleted website restored…).
    """
    result = DrainResult()
    letters = DeadLetter.objects.order_by("id")
    if ids is not None:
        letters = letters.filter(id__in=list(ids))
    for letter in letters.iterator():
        result.entries += 1
        with transaction.atomic():
            try:
                row = EventRow.from_buffer(json.loads(letter.payload))
                stored = events_store([row])
            except (ValueError, TypeError) as error:
                letter.reason = f"not an event row: {error}"
                letter.save(update_fields=["reason"])
                continue
            except RowRefused as refusal:
                letter.reason = str(refusal)
                letter.save(update_fields=["reason"])
                continue
            result.stored += stored
            result.dropped += 1 - stored
            letter.delete()
    result.dead_lettered = result.entries - result.stored - result.dropped
    return result


def drainer_lock_try() -> bool:
    """Takes the single-drainer lock (a session-level advisory lock) if it is free.

    Tried rather than awaited, so no statement timeout cuts a wait and a stopping drainer is not
    stuck in one. The lock goes with the connection: a drainer that loses its connection must
    take it again before draining.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_DRAINER_LOCK])
        (locked,) = cursor.fetchone()
    return locked


def drainer_lock_release() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_DRAINER_LOCK])


def _payload_text(row: EventRow) -> str:
    return json.dumps(row, separators=(",", ":"))


def _stream_id(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)
