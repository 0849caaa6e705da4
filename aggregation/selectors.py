"""Reads of the rollup layer: its bookkeeping, and rollup-shaped sources for reports.

A report over some days reads, for each rollup table it needs, one `source`: the stored rows of
the days whose rollups are complete (`AggregationDay.objects.aggregated()`; a whole month of
them as its month row), plus the same rows computed live from the raw events of the other days
(today, stale days, days never aggregated) by the table's one definition in `aggregation.sql`.
Both halves hold the same columns and the same counts for a day, so a report aggregates
`source` without knowing which days came from where: its JSON is the same whatever the mix.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Q

from aggregation.models import AggregationDay
from aggregation.sessions import session_rows_sql
from aggregation.sql import ROLLUPS, SQL_CONSTANTS, with_shared
from analytics_site.calendar import LATEST_TIME_ZONE, local_date, local_days_instants
from websites.models import Website

DayRun = tuple[date, date]  # first and last day, inclusive


@dataclass(frozen=True)
class DaySplit:
    """The days of a report: months and runs of days read from the rollups, and runs of days
    read from raw events."""

    months: tuple[date, ...]  # first days of months read from their month rows
    rollup: tuple[DayRun, ...]
    raw: tuple[DayRun, ...]
    time_zone: str  # the website's: raw days are read from its midnights
    # Days whose closed sessions are stored (the rest read live after them), and for each
    # where its events not in them begin (`AggregationDay.sessions_open_from`).
    partial: tuple[date, ...] = ()
    partial_open_from: tuple[datetime, ...] = ()

    def args(self) -> dict:
        args: dict = {"rollup_months": list(self.months), "time_zone": self.time_zone}
        for n, (first, last) in enumerate(self.rollup):
            args[f"rollup_from_{n}"], args[f"rollup_to_{n}"] = first, last
        for n, (first, last) in enumerate(self.raw):
            args[f"raw_from_{n}"], args[f"raw_to_{n}"] = local_days_instants(
                first, last, self.time_zone
            )
        args["partial_days"] = list(self.partial)
        for n, (day, open_from) in enumerate(
            zip(self.partial, self.partial_open_from, strict=True)
        ):
            start, end = local_days_instants(day, day, self.time_zone)
            args[f"partial_from_{n}"], args[f"partial_to_{n}"] = max(start, open_from), end
        return args

    def rollup_days(self) -> list[date]:
        """Every day of the runs read from stored rows, in order."""
        return sorted(day for first, last in self.rollup for day in _days(first, last))

    def rollup_condition(self, alias: str) -> str:
        """The stored rows to read: day rows of the runs, month rows of the months."""
        conditions = [
            f"(NOT {alias}.is_month AND {alias}.day BETWEEN %(rollup_from_{n})s"
            f" AND %(rollup_to_{n})s)"
            for n in range(len(self.rollup))
        ]
        if self.months:
            conditions.append(f"({alias}.is_month AND {alias}.day = ANY(%(rollup_months)s))")
        if self.partial:  # the rows of their stored sessions (the rest is read live)
            conditions.append(f"(NOT {alias}.is_month AND {alias}.day = ANY(%(partial_days)s))")
        return " OR ".join(conditions) or "false"


def day_runs(days: Iterable[date]) -> tuple[DayRun, ...]:
    """Consecutive days as (first, last) runs, in order."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return tuple((first, last) for first, last in runs)


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def _month_days(month: date) -> set[date]:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return _days(month, following - timedelta(days=1))


def day_split(
    *, website: Website, ranges: Sequence[DayRun], months: bool = True, sessions: bool = False
) -> DaySplit:
    """Splits the website's days of `ranges` into what the rollups hold and the rest.

    A day is read from its rollup rows when `AggregationDay` says they are readable (aggregated,
    in the website's time zone unless older than the raw events), else from its sessions: the
    days stored in part (`partial`: today, whose closed sessions are stored up to a cutoff, in
    the website's zone, not stale) read those and live ones after them, the others (`raw`) live
    ones of their raw events. With `months`, a calendar month whose every day is readable, and
    which each range holds whole or not at all (a report may place the month row by its first
    day), is read from its month rows instead of its day rows. With `sessions`, the split is
    for the stored sessions (`aggregation_session`): readable days whose sessions are stored,
    no months.
    """
    wanted: set[date] = set()
    within = Q()
    for first, last in ranges:
        wanted |= _days(first, last)
        within |= Q(day__range=(first, last))
    aggregated: set[date] = set()
    partial: dict[date, datetime] = {}  # day: where its events not in stored sessions begin
    rows = (
        AggregationDay.objects.filter(within, website=website)
        .annotate(
            readable=ExpressionWrapper(
                AggregationDay.objects.readable_condition(website=website),
                output_field=BooleanField(),
            )
        )
        .values_list(
            "day", "readable", "sessions_stored", "timezone", "sessions_stale", "sessions_open_from"
        )
    )
    for day, readable, stored, time_zone, stale, open_from in rows:
        if readable and (stored or not sessions):
            aggregated.add(day)
        elif open_from is not None and time_zone == website.timezone and not stale:
            partial[day] = open_from
    whole_months: list[date] = []
    in_months: set[date] = set()
    spans = [_days(first, last) for first, last in ranges]
    by_month = months and not sessions
    for month in sorted({day.replace(day=1) for day in aggregated}) if by_month else []:
        days = _month_days(month)
        if days <= aggregated and all(days <= span or not days & span for span in spans):
            whole_months.append(month)
            in_months |= days
    return DaySplit(
        months=tuple(whole_months),
        rollup=day_runs(aggregated - in_months),
        raw=day_runs(wanted - aggregated - partial.keys()),
        time_zone=website.timezone,
        partial=tuple(sorted(partial)),
        partial_open_from=tuple(partial[day] for day in sorted(partial)),
    )


def rollup_source_sql(table: str, *, split: DaySplit) -> str:
    """`WITH …, source AS (…)`: the rows of a rollup table for the days of `split`, one slice.

    The slice is chosen by the parameters `include_bots` and `group_filter` ('' or a group);
    add the report's `SELECT … FROM source`. Stored rows of aggregated days (and months) and of
    the days stored in part (today: the rows of its stored closed sessions), live rows of the
    sessions of the others' raw events and of the events after those stored sessions
    (`aggregation.sessions.session_rows_sql`). A month row comes with `day` = the month's first
    day.
    """
    rollup = ROLLUPS[table]
    listed = ", ".join(rollup.columns)
    if rollup.sliced:
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
    FROM ({rollup.definition}) AS live
)
"""
    rows = session_rows_sql(raw_ranges=len(split.raw), partial_ranges=len(split.partial))
    return with_shared(rows, source)


def rollup_source_args(
    *, website: Website, split: DaySplit, include_bots: bool, content_group: str | None
) -> dict:
    return {
        **SQL_CONSTANTS,
        **split.args(),
        "website_id": website.pk,
        "include_bots": include_bots,
        "group_filter": content_group or "",
    }


# --- Bookkeeping -----------------------------------------------------------------------------


def aggregation_days_pending(*, now: datetime) -> list[tuple[str, date]]:
    """(website id, day) pairs to aggregate: every day over in its website's time zone that was
    never aggregated (missed), received events since (stale) or is to be realigned to a new time
    zone, oldest first."""
    return [
        (str(website_id), day)
        for website_id, day, time_zone in AggregationDay.objects.pending()
        .filter(day__lt=local_date(now, LATEST_TIME_ZONE))
        .order_by("day", "website_id")
        .values_list("website_id", "day", "website__timezone")
        if day < local_date(now, time_zone)
    ]


def aggregation_days_collecting(*, now: datetime) -> list[tuple[str, date, datetime | None]]:
    """(website id, day, sessions cutoff) of each website's today that has events: the days
    whose closed sessions are stored every few minutes."""
    return [
        (str(website_id), day, cutoff)
        for website_id, day, time_zone, cutoff in AggregationDay.objects.filter(
            day__range=(now.date() - timedelta(days=1), now.date() + timedelta(days=1))
        )
        .order_by("website_id")
        .values_list("website_id", "day", "website__timezone", "sessions_cutoff")
        if day == local_date(now, time_zone)
    ]


def aggregation_day_websites(*, day: date) -> list[str]:
    """The websites with events stored for `day` (each has an AggregationDay row for it)."""
    return [
        str(website_id)
        for website_id in AggregationDay.objects.filter(day=day)
        .order_by("website_id")
        .values_list("website_id", flat=True)
    ]


def aggregation_days_waiting(*, day: date, website_ids: list[str], since) -> int:
    """How many of the websites (not deleted) have not had `day` aggregated since `since`."""
    return (
        Website.objects.filter(pk__in=website_ids)
        .exclude(
            pk__in=AggregationDay.objects.filter(day=day, aggregated_at__gte=since).values(
                "website_id"
            )
        )
        .count()
    )
