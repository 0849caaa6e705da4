"""What the rollup layer does when the events store tells it something (`ingest.signals`)."""

from aggregation.services import aggregation_days_mark_stale


def events_stored_receive(sender, *, website_instants, **kwargs) -> None:
    """Events were stored: the days they fall on are marked, in the same transaction, for
    aggregation (not yet aggregated) or re-aggregation (stale)."""
    aggregation_days_mark_stale(website_instants=website_instants)
