import logging
import signal
import time

import psycopg
import redis
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from analytics_site.outages import Backoff
from ingest.drain import drainer_lock_release, drainer_lock_try, events_buffer_drain_result

logger = logging.getLogger(__name__)

# What an outage of PostgreSQL or Redis raises. The drainer waits these out, with backoff;
# anything else is a bug, and the process exits (the Procfile's respawn brings it back).
OUTAGES = (DatabaseError, psycopg.Error, redis.RedisError)


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
        parser.add_argument(
            "--wait",
            type=float,
            default=60.0,
            help="With --once: seconds to wait for a running drainer to stop (default 60).",
        )

    def handle(self, *args, batch_size: int, interval: float, once: bool, wait: float, **options):
        if once:
            self._drain_once(batch_size=batch_size, wait=wait)
            return
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        logger.info("Drainer started")
        locked, backoff = False, Backoff()
        while not self.stopping:
            started = time.monotonic()
            try:
                if not locked:
                    locked = drainer_lock_try()
                    if not locked:
                        logger.info("Another drainer is running; waiting for it to stop")
                        self._sleep(2.0)
                        continue
                result = events_buffer_drain_result(batch_size=batch_size, block_ms=1000)
            except OUTAGES as error:
                # Nothing is lost: unacknowledged entries are read again on the next pass.
                pause = backoff.failed()
                logger.warning(
                    "Drain failed (%s: %s); retrying in %.1f s",
                    type(error).__name__,
                    str(error).strip()[:300],
                    pause,
                )
                # Closing releases the lock; retaking it (a database round trip) comes before the
                # buffer is read again, so an outage costs the pending entries one delivery, not
                # one per retry (an entry delivered too often is dead-lettered).
                connection.close()
                locked = False
                self._sleep(pause)
                continue
            backoff.succeeded()
            if result.entries:
                logger.debug("Drained %s", result)
                # Under steady traffic, one pass per interval: a handful of statements per
                # batch instead of per few events, at most `interval` seconds of extra delay.
                self._sleep(interval - (time.monotonic() - started))
        logger.info("Drainer stopped")

    def _drain_once(self, *, batch_size: int, wait: float) -> None:
        deadline = time.monotonic() + wait
        while not drainer_lock_try():
            if time.monotonic() > deadline:
                raise CommandError(f"Another drainer held the lock for {wait:.0f} s; gave up.")
            time.sleep(0.5)
        try:
            result = events_buffer_drain_result(batch_size=batch_size)
        finally:
            drainer_lock_release()
        self.stdout.write(
            f"Stored {result.stored} events, dead-lettered {result.dead_lettered}, "
            f"dropped {result.dropped} of deleted websites."
        )

    def _sleep(self, seconds: float) -> None:
        # In short steps, so that SIGTERM stops a drainer that is backing off within a moment.
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.2, end - time.monotonic()))

    def _stop(self, signum, frame) -> None:
        self.stopping = True
