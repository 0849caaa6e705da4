"""Waiting out outages of PostgreSQL and Redis.

Long-running processes (the drainer, imports, backfills) retry with backoff and say so in the
log, instead of exiting and leaving the work half done.
"""

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import django.db
import psycopg
import redis
from django.db import connection

logger = logging.getLogger(__name__)

# A server that cannot be reached, or dropped the connection: worth waiting for.
CONNECTION_ERRORS = (
    django.db.OperationalError,
    django.db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
)

Result = TypeVar("Result")


class Backoff:
    """Pauses that double from `first` to `maximum` seconds, with jitter so that processes
    restarting together do not retry in step."""

    def __init__(self, first: float = 0.5, maximum: float = 30.0):
        self.first, self.maximum = first, maximum
        self.delay = first

    def failed(self) -> float:
        """The pause before the next try."""
        pause = self.delay * random.uniform(0.8, 1.2)
        self.delay = min(self.maximum, self.delay * 2)
        return pause

    def succeeded(self) -> None:
        self.delay = self.first


def through_outages(call: Callable[[], Result], *, what: str) -> Result:
    """`call()`, tried again after each connection error until it succeeds.

    Only for idempotent calls: one whose outcome is unknown (the connection dropped during its
    commit) runs again.
    """
    backoff = Backoff()
    while True:
        try:
            return call()
        except CONNECTION_ERRORS as error:
            pause = backoff.failed()
            logger.warning(
                "%s failed (%s: %s); retrying in %.1f s",
                what,
                type(error).__name__,
                str(error).strip()[:300],
                pause,
            )
            connection.close()
            time.sleep(pause)
