"""Reads of the rollup layer's bookkeeping."""

from datetime import date

from aggregation.models import AggregationDay


def aggregation_days_pending(*, before: date) -> list[tuple[str, date]]:
    """(website id, day) pairs to aggregate: every day before `before` that was never
    aggregated (missed) or received events since (stale), oldest first."""
    return [
        (str(website_id), day)
        for website_id, day in AggregationDay.objects.pending()
        .filter(day__lt=before)
        .order_by("day", "website_id")
        .values_list("website_id", "day")
    ]


def aggregation_day_websites(*, day: date) -> list[str]:
    """The websites with events stored for `day` (each has an AggregationDay row for it)."""
    return [
        str(website_id)
        for website_id in AggregationDay.objects.filter(day=day)
        .order_by("website_id")
        .values_list("website_id", flat=True)
    ]
