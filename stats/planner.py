"""Where a query is answered: the planner.

Every query reads the sessions of its days (`stats.builder`): stored rows for the days whose
sessions are stored, live rows from the raw events for the others (`aggregation.selectors.
day_split`). A query that fits the per-day dimension rows (`stats.models.DayDimension`) reads
those instead for the stored days that have them, and the sessions for the rest, in the same
statement. It fits them when its answer is a sum of one dimension's rows:

- at most one dimension D besides time, one of `TABLE_DIMENSIONS` (not `event:props:*`); with
  D, no time dimension or `time:day`/`week`/`month` (a day row lies in one such bucket), not
  `time:hour`; without D, no time dimension (the `total` rows) or `time:hour` (its rows);
- filters only on D: top-level leaves on D (a leaf keeps exactly the rows whose value matches
  it, with the same numbers: for a visit dimension it keeps the visits of those values; for an
  event dimension the events of those values and the visits counted in them), and, for a visit
  dimension, compounds of leaves on D (decided per visit, on that same value). No filter
  without D: a filter on another dimension would split a row's visitors.

A day's rows are read only while they are those of its current aggregation (`DimensionDay`'s
`aggregated_at` is the day's) or, for a day stored in part (today), of its current store of
closed sessions (the same `sessions_cutoff`): days aggregated before the rows existed, stale or
re-aggregated days read their sessions. Hour rows are keyed by the hours of the zone the day was
aggregated in: read only for days aggregated in the query's zone.

A day stored in part has visits not in its rows: those read live after its stored sessions. Its
answer is its rows, plus the sums over every session of the visitors seen live (stored and
live), less the sums over those visitors' stored sessions (`stats.builder`). For sums of visits
and events that is adding the live sessions; for visitors, a visitor seen live is counted in a
row once whether or not it already was in the stored part: exactly the day's distinct visitors.
"""

from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Exists, OuterRef, Q

from aggregation.models import AggregationDay
from aggregation.selectors import DaySplit, day_runs
from stats.dimensions import DIMENSIONS, Dimension
from stats.filters import Filter, Leaf, filter_leaves
from stats.models import DimensionDay
from stats.query import Query
from websites.models import Website

TOTAL = "total"  # the rows of no dimension: a day's totals
HOUR = "time:hour"
# The dimensions with day rows: every one of the registry but the time dimensions (time:hour
# has rows of its own) and `event:props:*` (unbounded keys).
TABLE_DIMENSIONS = (
    TOTAL,
    HOUR,
    *(name for name, dimension in DIMENSIONS.items() if dimension.level != "time"),
)


@dataclass(frozen=True)
class TableRead:
    """The day rows a query reads: those of one dimension (`TABLE_DIMENSIONS`) on some days, of
    which `partial` are stored in part (their rows are completed with the live visitors')."""

    dimension: str
    days: tuple[date, ...]
    partial: tuple[date, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Where a query's days are read: `table` (or None), and `sessions`, the split of the
    others (stored sessions, live ones, days stored in part)."""

    table: TableRead | None
    sessions: DaySplit


def table_dimension(query: Query) -> str | None:
    """The dimension whose day rows answer `query` exactly, or None (by its shape alone)."""
    others = [dimension for dimension in query.dimensions if dimension.level != "time"]
    if not others:
        if query.filters:
            return None
        return HOUR if query.interval == "hour" else TOTAL
    if len(others) > 1 or query.interval == "hour":
        return None
    (dimension,) = others
    if dimension.name not in TABLE_DIMENSIONS or dimension.prop_key is not None:
        return None
    if not all(_decided_by_value(node, dimension) for node in query.filters):
        return None
    return dimension.name


def _decided_by_value(node: Filter, dimension: Dimension) -> bool:
    """Whether a top-level filter keeps or drops each row of `dimension` by its value alone."""
    if isinstance(node, Leaf):
        return node.dimension == dimension
    # A compound is decided per visit: on the row's value only if that is the visit's own.
    return dimension.level == "visit" and all(
        leaf.dimension == dimension for leaf in filter_leaves(node)
    )


def query_plan(*, website: Website, query: Query, days: DaySplit) -> Plan:
    """Where `query` reads the days of `days` (its range's split, or its comparison's)."""
    """Where `query` reads the days of `days` (its range's split, or its comparison's). The days
    stored in part it reads from rows stay in the sessions' split: their live sessions are read
    there (`stats.builder.sessions_source`)."""
    dimension = table_dimension(query)
    stored = days.rollup_days()
    if dimension is None or not (stored or days.partial):
        return Plan(table=None, sessions=days)
    written = _days_written(
        website=website,
        days=[*stored, *days.partial],
        zone=query.timezone if dimension == HOUR else None,
    )
    if not written:
        return Plan(table=None, sessions=days)
    return Plan(
        table=TableRead(
            dimension=dimension,
            days=tuple(written),
            partial=tuple(day for day in days.partial if day in written),
        ),
        sessions=replace(days, rollup=day_runs(set(stored) - set(written))),
    )


def _days_written(*, website: Website, days: list[date], zone: str | None) -> list[date]:
    """Those of `days` (readable: stored, or stored in part) whose rows are those of their
    current aggregation or store of closed sessions; with `zone`, only days stored in that
    zone."""
    current = DimensionDay.objects.filter(website_id=OuterRef("website_id"), day=OuterRef("day"))
    current = current.filter(
        Q(aggregated_at=OuterRef("aggregated_at"), sessions_cutoff__isnull=True)
        | Q(aggregated_at__isnull=True, sessions_cutoff=OuterRef("sessions_cutoff"))
    )
    rows = (
        AggregationDay.objects.filter(website=website, day__range=(min(days), max(days)))
        .filter(Exists(current))
        .values_list("day", "timezone")
    )
    wanted = set(days)
    return sorted(day for day, day_zone in rows if day in wanted and zone in (None, day_zone))
