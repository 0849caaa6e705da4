"""Reads of the rollup layer: which days are aggregated, and rollup-shaped sources for reports.

A report over some days reads, for each rollup table it needs, one `source`: the stored rows of
the days whose rollups are complete (`AggregationDay.objects.aggregated()`), plus the same rows
computed live from the raw events of the other days (today, stale days, days never aggregated)
by the table's one definition in `aggregation.sql`. Both halves hold the same columns and the
same counts for a day, so a report aggregates `source` without knowing which days came from
where: its JSON is the same whatever the mix.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Q

from aggregation.models import AggregationDay
from aggregation.sql import ROLLUPS, SQL_CONSTANTS, timestamp_ranges_condition, with_shared

DayRun = tuple[date, date]  # first and last day, inclusive


@dataclass(frozen=True)
class DaySplit:
    """The days of a report: runs read from the rollups, and runs read from raw events."""

    rollup: tuple[DayRun, ...]
    raw: tuple[DayRun, ...]

    def args(self) -> dict:
        args: dict = {}
        for n, (first, last) in enumerate(self.rollup):
            args[f"rollup_from_{n}"], args[f"rollup_to_{n}"] = first, last
        for n, (first, last) in enumerate(self.raw):
            args[f"raw_from_{n}"] = _utc_midnight(first)
            args[f"raw_to_{n}"] = _utc_midnight(last + timedelta(days=1))
        return args

    def rollup_condition(self, alias: str) -> str:
        if not self.rollup:
            return "false"
        return " OR ".join(
            f"({alias}.day BETWEEN %(rollup_from_{n})s AND %(rollup_to_{n})s)"
            for n in range(len(self.rollup))
        )

    def raw_condition(self) -> str:
        return timestamp_ranges_condition(len(self.raw))


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _runs(days: Iterable[date]) -> tuple[DayRun, ...]:
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return tuple((first, last) for first, last in runs)


def day_split(*, website_id: UUID | str, ranges: Sequence[DayRun]) -> DaySplit:
    """Splits the days of `ranges` into aggregated runs and the rest (one query)."""
    wanted: set[date] = set()
    for first, last in ranges:
        wanted.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    within = Q()
    for first, last in ranges:
        within |= Q(day__range=(first, last))
    aggregated = set(
        AggregationDay.objects.aggregated()
        .filter(within, website_id=website_id)
        .values_list("day", flat=True)
    )
    return DaySplit(rollup=_runs(wanted & aggregated), raw=_runs(wanted - aggregated))


def rollup_source_sql(table: str, *, split: DaySplit) -> str:
    """`WITH …, source AS (…)`: the rows of a rollup table for the days of `split`, one slice.

    The slice is chosen by the parameters `include_bots` and `group_filter` ('' or a group);
    add the report's `SELECT … FROM source`. Stored rows of aggregated days, live rows of raw
    days: the raw events are read through (website_id, timestamp) ranges.
    """
    columns, definition = ROLLUPS[table]
    listed = ", ".join(columns)
    if "group_filter" in columns:
        in_slice = "r.group_filter = %(group_filter)s"
    else:  # page-level rows: a group keeps its own page views
        in_slice = "(%(group_filter)s = '' OR r.content_group = %(group_filter)s)"
    source = f"""
source AS (
    SELECT {listed}
    FROM {table} r
    WHERE r.website_id = %(website_id)s
      AND ({split.rollup_condition("r")})
      AND (%(include_bots)s OR NOT r.is_bot)
      AND {in_slice}
    UNION ALL
    SELECT {listed}
    FROM ({definition}) AS live
)
"""
    return with_shared(split.raw_condition(), source)


def rollup_source_args(
    *, website_id: UUID | str, split: DaySplit, include_bots: bool, content_group: str | None
) -> dict:
    return {
        **SQL_CONSTANTS,
        **split.args(),
        "website_id": website_id,
        "include_bots": include_bots,
        "group_filter": content_group or "",
    }
