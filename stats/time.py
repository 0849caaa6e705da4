"""Time, handled once: a site's local days, their UTC instants, and the buckets of a range.

Every read works in the local days of the site's IANA time zone. SQL is given only the UTC
instants computed here, and results carry the bucket labels computed here, so that no reader
decides for itself where a day or an hour begins. Instants are aware `datetime`s in UTC.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from analytics_site.calendar import add_years, local_days_instants, local_midnight, offset_change

PERIODS = ("yesterday", "today", "7d", "30d", "90d", "12m", "ytd", "all")
LAST_DAYS = {"7d": 7, "30d": 30, "90d": 90}
COMPARES = ("previous_period", "yoy")
INTERVALS = ("hour", "day", "week", "month")
Interval = Literal["hour", "day", "week", "month"]
MAX_RANGE_YEARS = 5
MAX_HOUR_RANGE_DAYS = 31

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class DateRange:
    """Local dates of a site, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class Bucket:
    """One time bucket of a range: the instants [start, end), labelled as results show it."""

    label: str
    start: datetime
    end: datetime


def period_resolve(*, period: str, today: date, first_day: date | None = None) -> DateRange:
    """The local days of a named period, all ending `today` (the site's) except `yesterday`."""
    if period == "today":
        return DateRange(today, today)
    if period == "yesterday":
        return DateRange(today - timedelta(days=1), today - timedelta(days=1))
    if period in LAST_DAYS:
        return DateRange(today - timedelta(days=LAST_DAYS[period] - 1), today)
    if period == "12m":
        return DateRange(add_years(today, -1) + timedelta(days=1), today)
    if period == "ytd":
        return DateRange(today.replace(month=1, day=1), today)
    if period == "all":
        return DateRange(min(first_day or today, today), today)
    raise ValueError(f"unknown period {period!r}")


def comparison_resolve(*, compare: str, period: DateRange) -> DateRange:
    """The days a period is compared with. Raises ValueError or OverflowError for days that
    would precede 0001-01-01."""
    if compare == "previous_period":
        return DateRange(
            period.start - timedelta(days=period.days), period.start - timedelta(days=1)
        )
    if compare == "yoy":
        return DateRange(add_years(period.start, -1), add_years(period.end, -1))
    raise ValueError(f"unknown comparison {compare!r}")


def range_instants(*, days: DateRange, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first instant of the first day, first instant of the day after the last)."""
    return local_days_instants(days.start, days.end, tz.key)


def buckets(*, days: DateRange, interval: Interval, tz: ZoneInfo) -> list[Bucket]:
    """Every bucket of the range in order, each labelled by its first instant inside the range.

    day, week (ISO, from Monday) and month are local dates clipped to the range, labelled
    `YYYY-MM-DD`. An hour is the instants whose local wall time, truncated to the hour at their
    own UTC offset, is the same instant; its label is the ISO datetime of its first instant with
    the local offset: a fall-back hour gives two labels, a skipped hour none, and in a half-hour
    zone (Asia/Kolkata) the hours start at :30 UTC. A bucket without any instant (a date that a
    zone skipped) is left out.
    """
    if interval == "hour":
        start, end = range_instants(days=days, tz=tz)
        return _hour_buckets(start=start, end=end, tz=tz)
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}")
    starts = [days.start]
    after = days.end + timedelta(days=1)
    while (following := _next_start(day=starts[-1], interval=interval, stop=after)) < after:
        starts.append(following)
    instants = [local_midnight(day, tz.key) for day in [*starts, after]]
    return [
        Bucket(label=day.isoformat(), start=first, end=last)
        for day, (first, last) in zip(starts, pairwise(instants), strict=True)
        if first < last
    ]


def _next_start(*, day: date, interval: Interval, stop: date) -> date:
    """The first day of the bucket after the one `day` begins, or `stop` if that comes first
    (stepping past it could run past 9999-12-31)."""
    if interval == "day":
        step = 1
    elif interval == "week":
        step = 7 - day.weekday()
    elif (day.year, day.month) == (stop.year, stop.month):
        return stop
    else:
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return min(day + timedelta(days=min(step, (stop - day).days)), stop)


def _hour_buckets(*, start: datetime, end: datetime, tz: ZoneInfo) -> list[Bucket]:
    """The hours of [start, end): a new bucket wherever an instant's hour key changes."""
    firsts: list[datetime] = []
    key = None
    for segment_start, segment_end, offset in _offset_segments(start=start, end=end, tz=tz):
        instant = segment_start
        while instant < segment_end:
            wall = instant.replace(tzinfo=None) + offset
            instant_key = instant - (wall - wall.replace(minute=0, second=0, microsecond=0))
            if instant_key != key:
                firsts.append(instant)
                key = instant_key
            instant = instant_key + HOUR
    return [
        Bucket(label=first.astimezone(tz).isoformat(), start=first, end=last)
        for first, last in pairwise([*firsts, end])
    ]


def _offset_segments(
    *, start: datetime, end: datetime, tz: ZoneInfo
) -> list[tuple[datetime, datetime, timedelta]]:
    """[start, end) cut where the zone's UTC offset changes, each piece with its offset.

    Probes once an hour (the invariant: `probe` has the segment's offset): zones change their
    offset months apart, never twice in an hour.
    """
    segments = []
    segment_start, offset = start, _offset(start, tz)
    probe = start
    while probe < end:
        step_end = min(probe + HOUR, end)
        if _offset(step_end, tz) != offset:
            change = offset_change(lo=probe, hi=step_end, tz=tz)
            if change < end:
                segments.append((segment_start, change, offset))
                segment_start, offset = change, _offset(change, tz)
                probe = change
                continue
        probe = step_end
    segments.append((segment_start, end, offset))
    return segments


def _offset(instant: datetime, tz: ZoneInfo) -> timedelta:
    return instant.astimezone(tz).utcoffset()
