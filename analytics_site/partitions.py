"""Monthly range partitions, created ahead of the rows that need them (events, stored visits)."""

import logging
from collections.abc import Iterable
from datetime import date

from django.db import OperationalError, connection, transaction
from psycopg import sql

from analytics_site.calendar import month_start, next_month

logger = logging.getLogger(__name__)

# Creating a partition locks the whole parent table (ACCESS EXCLUSIVE): while it waits for
# running reports, every insert queues behind it. It gives up after this long instead.
PARTITION_LOCK_TIMEOUT = "1s"


def month_partition_name(parent: str, month: date) -> str:
    return f"{parent}_y{month.year:04d}m{month.month:02d}"


def month_partitions_ensure(*, parent: str, months: Iterable[date], instants: bool) -> None:
    """Creates the partitions of `parent` for the given months (any day in them) if missing.

    `instants`: the partition key is a timestamptz (bounds at UTC midnights), else a date.
    One catalog query when they all exist, which is the case for nearly every call. Raises
    OperationalError (logged) when the parent stays locked longer than PARTITION_LOCK_TIMEOUT.
    """
    wanted = sorted({month_start(month) for month in months})
    if not wanted:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass(name) IS NULL",
            [[month_partition_name(parent, month) for month in wanted]],
        )
        missing = {name for (name,) in cursor.fetchall()}
        if not missing:
            return
        cursor.execute("SELECT current_setting('lock_timeout')")
        (previous,) = cursor.fetchone()
        set_lock_timeout = "SELECT set_config('lock_timeout', %s, true)"
        bound = "{} 00:00:00+00" if instants else "{}"
        try:
            # A savepoint when called in the caller's transaction: a timeout undoes only this.
            with transaction.atomic():
                cursor.execute(set_lock_timeout, [PARTITION_LOCK_TIMEOUT])
                for month in wanted:
                    name = month_partition_name(parent, month)
                    if name in missing:
                        cursor.execute(
                            sql.SQL(
                                "CREATE TABLE IF NOT EXISTS {} PARTITION OF {} "
                                "FOR VALUES FROM ({}) TO ({})"
                            ).format(
                                sql.Identifier(name),
                                sql.Identifier(parent),
                                sql.Literal(bound.format(month.isoformat())),
                                sql.Literal(bound.format(next_month(month).isoformat())),
                            )
                        )
                # SET LOCAL outlives a released savepoint: the caller's own statements get theirs.
                cursor.execute(set_lock_timeout, [previous])
        except OperationalError:
            logger.warning("Could not create partitions %s now: %s is busy", missing, parent)
            raise
