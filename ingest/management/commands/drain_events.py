import logging
import signal
import time

import redis
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

from ingest.services import events_buffer_drain

logger = logging.getLogger(__name__)

# Only one drainer may run: the drain checkpoint assumes a single reader of the stream.
_DRAINER_LOCK = 0x7472_6169_6C00


class Command(BaseCommand):
    help = "Moves buffered events from Redis into PostgreSQL, continuously (the Procfile drainer)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="Seconds between drain passes: events accumulate into bigger COPY batches.",
        )
        parser.add_argument(
            "--once", action="store_true", help="Drain what is buffered now, then exit."
        )

    def handle(self, *args, batch_size: int, interval: float, once: bool, **options):
        if once:
            stored = events_buffer_drain(batch_size=batch_size)
            self.stdout.write(f"Stored {stored} events.")
            return
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        locked = False
        logger.info("Drainer started")
        while not self.stopping:
            started = time.monotonic()
            try:
                if not locked:
                    self._lock()
                    locked = True
                stored = events_buffer_drain(batch_size=batch_size, block_ms=1000)
            except (DatabaseError, redis.RedisError):
                # Nothing is lost: unacknowledged entries are read again on the next pass.
                logger.exception("Drain failed; retrying in 1 s")
                connection.close()  # which also releases the lock
                locked = False
                time.sleep(1)
                continue
            if stored:
                logger.debug("Stored %d events", stored)
                # Under steady traffic, one pass per interval: a handful of statements per
                # batch instead of per few events, at most `interval` seconds of extra delay.
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
        logger.info("Drainer stopped")

    def _lock(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_DRAINER_LOCK])
            (locked,) = cursor.fetchone()
        if not locked:
            logger.info("Another drainer is running; waiting for it to stop")
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [_DRAINER_LOCK])

    def _stop(self, signum, frame) -> None:
        self.stopping = True
