"""Calendar arithmetic shared by every app: a website's local days, months and years.

Every day a website is reported by is a date in its own time zone (`Website.timezone`): it
starts at that zone's midnight, which these functions turn into UTC instants for the database.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

# The zone furthest ahead (UTC+14): its date is never behind any website's.
LATEST_TIME_ZONE = "Pacific/Kiritimati"


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The time zone of a validated IANA name (`websites.validators.validate_timezone`)."""
    return ZoneInfo(name)


def local_midnight(day: date, time_zone: str) -> datetime:
    """The first instant (in UTC) of `day` in `time_zone`.

    Where the clocks skip midnight (spring forward at 00:00, as in Havana or Santiago), the day
    begins at the jump; a date skipped entirely begins (and ends) where the next one begins.
    """
    tz = zone(time_zone)
    wall = datetime.combine(day, time.min)
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    # In a gap, fold=1 reads midnight at the offset after the jump, which lands before it, and
    # fold=0 at the offset before, which lands after it.
    return offset_change(lo=wall.replace(tzinfo=tz, fold=1).astimezone(UTC), hi=instant, tz=tz)


def offset_change(*, lo: datetime, hi: datetime, tz: ZoneInfo) -> datetime:
    """The first second in (lo, hi] whose UTC offset differs from lo's (hi's does): zones
    change their offsets on whole seconds."""
    offset = lo.astimezone(tz).utcoffset()
    seconds = int((hi - lo).total_seconds())
    while seconds > 1:
        middle = lo + timedelta(seconds=seconds // 2)
        if middle.astimezone(tz).utcoffset() == offset:
            lo = middle
        else:
            hi = middle
        seconds = int((hi - lo).total_seconds())
    return hi


def local_days_instants(first: date, last: date, time_zone: str) -> tuple[datetime, datetime]:
    """[first midnight, the midnight after `last`): the UTC instants of local days, inclusive."""
    return local_midnight(first, time_zone), local_midnight(last + timedelta(days=1), time_zone)


def local_date(instant: datetime, time_zone: str) -> date:
    """The date of an aware instant in `time_zone`."""
    return instant.astimezone(zone(time_zone)).date()


def quarter_hour_floor(instant: datetime) -> datetime:
    """The instant's quarter hour: every UTC offset in use is a multiple of 15 minutes, so
    quarter hours of UTC are quarter hours of every zone."""
    return instant.replace(minute=instant.minute // 15 * 15, second=0, microsecond=0)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return (month_start(month) - timedelta(days=1)).replace(day=1)


def add_years(day: date, years: int) -> date:
    """The same date `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
