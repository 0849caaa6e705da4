"""The metric registry: every metric a query can ask for, declared once, in the API's order.

A metric's `level` says what it counts: visits (sessions with a page view, grouped where they
start) or events (each counted event on its own). `views_per_visit` is the one ratio across
levels: it is computed from the metrics in its `needs` (pageviews / visits) of the same row, so
a reader must compute those too, and its row set is theirs. Its level is that of its
denominator, `visit`.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal


@dataclass(frozen=True)
class Metric:
    name: str
    level: Literal["visit", "event"]
    type: Literal["integer", "float"]
    description: str
    needs: tuple[str, ...] = ()


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric(
            name="visitors",
            level="visit",
            type="integer",
            description="Unique visitors: per local day, the distinct visitors who made a "
            "visit, summed over the days (for an hour, those whose visit started in it).",
        ),
        Metric(
            name="visits",
            level="visit",
            type="integer",
            description="Visits: sessions with at least one page view (a gap of more than 30 "
            "minutes, or local midnight, starts a new session).",
        ),
        Metric(
            name="pageviews",
            level="event",
            type="integer",
            description="Page views.",
        ),
        Metric(
            name="views_per_visit",
            level="visit",
            type="float",
            description="Page views per visit, rounded half up to 2 decimals (0.0 without visits).",
            needs=("pageviews", "visits"),
        ),
        Metric(
            name="bounce_rate",
            level="visit",
            type="float",
            description="Percentage of visits with exactly one page view, rounded half up to 2 "
            "decimals (0.0 without visits).",
        ),
        Metric(
            name="visit_duration",
            level="visit",
            type="integer",
            description="Mean visit duration in seconds (first to last event), rounded half up "
            "(0 without visits).",
        ),
        Metric(
            name="events",
            level="event",
            type="integer",
            description="Events of every type.",
        ),
    )
}


def round_2(value: Decimal) -> float:
    """Rounded half up (away from zero) to 2 decimals."""
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def change_pct(value: float, previous: float) -> float | None:
    """The percent change from `previous` to `value`, from the values as shown (their decimal
    text), rounded half up to 2 decimals; None when `previous` is 0."""
    if not previous:
        return None
    return round_2((Decimal(str(value)) - Decimal(str(previous))) * 100 / Decimal(str(previous)))
