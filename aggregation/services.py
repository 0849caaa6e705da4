"""Writes of the rollup layer."""

from collections.abc import Iterable
from datetime import date

from django.db import connection

from aggregation.selectors import aggregation_day_websites


def aggregation_days_mark_stale(*, website_days: Iterable[tuple[str, date]]) -> None:
    """Records that events were stored for these (website id, day) pairs.

    A day not yet aggregated gets its row; an aggregated one becomes stale, so the next run
    re-aggregates it and reports read its raw events meanwhile. Called in the transaction that
    stores the events; pairs are sorted so concurrent writers lock rows in one order.
    """
    pairs = sorted(set(website_days))
    if not pairs:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO aggregation_aggregationday (website_id, day, stale)
            SELECT website_id, day, true
            FROM unnest(%s::uuid[], %s::date[]) AS pair(website_id, day)
            ON CONFLICT (website_id, day) DO UPDATE SET stale = true
                WHERE NOT aggregation_aggregationday.stale
            """,
            [[website for website, _ in pairs], [day for _, day in pairs]],
        )


def day_aggregate_websites(*, day: date, website_ids: Iterable[str] | None = None) -> int:
    """Aggregates `day` for the given websites (default: every website with events that day).

    Returns the number of websites aggregated.
    """
    ids = list(website_ids) if website_ids is not None else aggregation_day_websites(day=day)
    for website_id in ids:
        day_aggregate(website_id=website_id, day=day)
    return len(ids)
