"""Local days, their UTC instants and the buckets of a range, across DST and odd offsets."""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from analytics_site.calendar import local_date, local_midnight
from stats.time import (
    MAX_HOUR_RANGE_DAYS,
    PERIODS,
    Bucket,
    DateRange,
    add_years,
    buckets,
    comparison_resolve,
    period_resolve,
    range_instants,
)
from websites.validators import timezone_names, validate_timezone

NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def one_day(day: date) -> DateRange:
    return DateRange(day, day)


def labels(days: DateRange, interval: str, tz: ZoneInfo) -> list[str]:
    return [bucket.label for bucket in buckets(days=days, interval=interval, tz=tz)]


def hour_key(instant: datetime, tz: ZoneInfo) -> datetime:
    """The spec's hour of an instant, written out independently of stats.time."""
    local = instant.astimezone(tz)
    return instant - timedelta(minutes=local.minute, seconds=local.second)


def test_date_range_keeps_the_reports_api():
    days = DateRange(date(2026, 2, 27), date(2026, 3, 2))
    assert days.days == 4
    assert days.as_dict() == {"start": "2026-02-27", "end": "2026-03-02"}
    assert days.label() == "2026-02-27 to 2026-03-02"


def test_every_period_resolves_and_all_never_starts_after_today():
    today = date(2026, 3, 1)
    for period in PERIODS:
        assert period_resolve(period=period, today=today).end <= today
    assert period_resolve(period="all", today=today) == one_day(today)
    assert period_resolve(period="all", today=today, first_day=date(2027, 1, 1)) == one_day(today)
    with pytest.raises(ValueError):
        period_resolve(period="6w", today=today)


def test_comparisons():
    days = DateRange(date(2024, 2, 29), date(2024, 3, 6))
    assert comparison_resolve(compare="previous_period", period=days) == DateRange(
        date(2024, 2, 22), date(2024, 2, 28)
    )
    assert comparison_resolve(compare="yoy", period=days) == DateRange(
        date(2023, 2, 28), date(2023, 3, 6)
    )
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    with pytest.raises(OverflowError):
        comparison_resolve(compare="previous_period", period=one_day(date.min))
    with pytest.raises(ValueError):
        comparison_resolve(compare="yoy", period=one_day(date.min))


def test_local_today_is_the_sites_date():
    now = utc(2026, 11, 1, 3, 30)
    assert local_date(now, "America/New_York") == date(2026, 10, 31)
    assert local_date(utc(2026, 10, 31, 18, 30), "Asia/Kolkata") == date(2026, 11, 1)
    assert local_date(now, "UTC") == date(2026, 11, 1)


@pytest.mark.parametrize(
    ("zone", "day", "instant"),
    [
        ("UTC", date(2026, 11, 1), utc(2026, 11, 1)),
        ("America/New_York", date(2026, 7, 1), utc(2026, 7, 1, 4)),
        ("America/New_York", date(2026, 12, 1), utc(2026, 12, 1, 5)),
        # DST days whose midnight exists: the change is at 02:00.
        ("America/New_York", date(2026, 3, 8), utc(2026, 3, 8, 5)),
        ("America/New_York", date(2026, 11, 1), utc(2026, 11, 1, 4)),
        ("Asia/Kolkata", date(2026, 11, 1), utc(2026, 10, 31, 18, 30)),
        ("Asia/Kathmandu", date(2026, 11, 1), utc(2026, 10, 31, 18, 15)),
        # Clocks jump from 00:00 to 01:00: the day begins at the jump.
        ("America/Havana", date(2026, 3, 8), utc(2026, 3, 8, 5)),
        ("America/Santiago", date(2026, 9, 6), utc(2026, 9, 6, 4)),
        ("Asia/Beirut", date(2026, 3, 29), utc(2026, 3, 28, 22)),
        ("America/Sao_Paulo", date(2018, 11, 4), utc(2018, 11, 4, 3)),
        # Clocks fall back from 00:00 to 23:00 of the day before: 00:00 comes once, an hour on.
        ("America/Santiago", date(2026, 4, 5), utc(2026, 4, 5, 4)),
        # Local mean time, before standard zones: an offset in seconds.
        ("Europe/Amsterdam", date(1900, 1, 1), utc(1899, 12, 31, 23, 40, 28)),
    ],
)
def test_local_midnight_is_the_first_instant_of_the_date(zone, day, instant):
    tz = ZoneInfo(zone)
    first = local_midnight(day, zone)
    assert first == instant
    assert first.tzinfo is UTC
    assert first.astimezone(tz).date() == day
    assert (first - timedelta(seconds=1)).astimezone(tz).date() < day


def test_a_skipped_date_has_no_instant():
    # Samoa crossed the date line: 2011-12-30 never happened in Apia.
    apia = ZoneInfo("Pacific/Apia")
    skipped = local_midnight(date(2011, 12, 30), "Pacific/Apia")
    assert skipped == local_midnight(date(2011, 12, 31), "Pacific/Apia") == utc(2011, 12, 30, 10)
    assert labels(DateRange(date(2011, 12, 29), date(2011, 12, 31)), "day", apia) == [
        "2011-12-29",
        "2011-12-31",
    ]


def test_range_instants_run_from_midnight_to_the_midnight_after():
    days = DateRange(date(2026, 10, 31), date(2026, 11, 1))
    assert range_instants(days=days, tz=NEW_YORK) == (utc(2026, 10, 31, 4), utc(2026, 11, 2, 5))
    assert range_instants(days=DateRange(date(9999, 12, 30), date(9999, 12, 30)), tz=NEW_YORK)[
        1
    ] == utc(9999, 12, 31, 5)


def test_day_buckets_are_local_days_of_23_24_and_25_hours():
    got = buckets(days=DateRange(date(2026, 3, 7), date(2026, 3, 9)), interval="day", tz=NEW_YORK)
    assert [bucket.label for bucket in got] == ["2026-03-07", "2026-03-08", "2026-03-09"]
    assert [bucket.end - bucket.start for bucket in got] == [
        timedelta(hours=24),
        timedelta(hours=23),
        timedelta(hours=24),
    ]
    fall = buckets(days=one_day(date(2026, 11, 1)), interval="day", tz=NEW_YORK)
    assert fall == [Bucket("2026-11-01", utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))]


def test_week_buckets_are_iso_weeks_clipped_to_the_range():
    # 2026-10-28 is a Wednesday, 2027-01-05 a Tuesday.
    days = DateRange(date(2026, 10, 28), date(2027, 1, 5))
    got = labels(days, "week", NEW_YORK)
    assert got[:3] == ["2026-10-28", "2026-11-02", "2026-11-09"]
    assert got[-2:] == ["2026-12-28", "2027-01-04"]
    assert all(date.fromisoformat(label).weekday() == 0 for label in got[1:])
    assert labels(one_day(date(2026, 11, 1)), "week", NEW_YORK) == ["2026-11-01"]


def test_month_buckets_are_months_clipped_to_the_range():
    days = DateRange(date(2026, 10, 28), date(2027, 1, 5))
    assert labels(days, "month", NEW_YORK) == [
        "2026-10-28",
        "2026-11-01",
        "2026-12-01",
        "2027-01-01",
    ]
    got = buckets(days=days, interval="month", tz=NEW_YORK)
    assert got[-1].end == utc(2027, 1, 6, 5)


@pytest.mark.parametrize("interval", ["day", "week", "month", "hour"])
def test_buckets_tile_the_range(interval):
    days = DateRange(date(2026, 10, 20), date(2026, 11, 12))
    got = buckets(days=days, interval=interval, tz=NEW_YORK)
    start, end = range_instants(days=days, tz=NEW_YORK)
    assert got[0].start == start
    assert got[-1].end == end
    assert all(a.end == b.start for a, b in pairwise(got))
    assert len({bucket.label for bucket in got}) == len(got)


def test_buckets_stop_before_the_end_of_the_calendar():
    days = DateRange(date(9999, 11, 28), date(9999, 12, 30))
    assert labels(days, "month", ZoneInfo("UTC")) == ["9999-11-28", "9999-12-01"]
    assert labels(days, "week", ZoneInfo("UTC"))[-1] == "9999-12-27"
    assert labels(days, "day", ZoneInfo("UTC"))[-1] == "9999-12-30"


def test_hours_of_a_fall_back_day_give_the_repeated_hour_two_labels():
    got = labels(one_day(date(2026, 11, 1)), "hour", NEW_YORK)
    assert len(got) == 25
    assert got[:4] == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T02:00:00-05:00",
    ]
    assert got[-1] == "2026-11-01T23:00:00-05:00"


def test_hours_of_a_spring_forward_day_skip_the_missing_hour():
    got = labels(one_day(date(2026, 3, 8)), "hour", NEW_YORK)
    assert len(got) == 23
    assert got[1:3] == ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"]
    assert not any("T02:" in label for label in got)


def test_hours_of_a_half_hour_zone_start_at_half_past_utc():
    got = buckets(days=one_day(date(2026, 11, 1)), interval="hour", tz=ZoneInfo("Asia/Kolkata"))
    assert len(got) == 24
    assert got[0] == Bucket(
        "2026-11-01T00:00:00+05:30", utc(2026, 10, 31, 18, 30), utc(2026, 10, 31, 19, 30)
    )
    assert all(bucket.start.minute == 30 for bucket in got)


def test_hours_in_utc():
    got = labels(one_day(date(2026, 11, 1)), "hour", ZoneInfo("UTC"))
    assert got == [f"2026-11-01T{hour:02d}:00:00+00:00" for hour in range(24)]


def test_a_half_hour_dst_change_gives_a_half_hour_bucket():
    # Lord Howe moves from +10:30 to +11:00 at 02:00 local: 02:00-02:30 does not exist, and
    # 02:30-03:00 (+11:00) is an hour of its own, labelled by its first instant.
    got = buckets(
        days=one_day(date(2026, 10, 4)), interval="hour", tz=ZoneInfo("Australia/Lord_Howe")
    )
    assert len(got) == 24
    assert got[1:4] == [
        Bucket("2026-10-04T01:00:00+10:30", utc(2026, 10, 3, 14, 30), utc(2026, 10, 3, 15, 30)),
        Bucket("2026-10-04T02:30:00+11:00", utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16)),
        Bucket("2026-10-04T03:00:00+11:00", utc(2026, 10, 3, 16), utc(2026, 10, 3, 17)),
    ]


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("America/New_York", date(2026, 11, 1)),
        ("America/New_York", date(2026, 3, 8)),
        ("America/Havana", date(2026, 3, 8)),
        ("America/Santiago", date(2026, 4, 5)),
        ("Australia/Lord_Howe", date(2026, 10, 4)),
        ("Australia/Lord_Howe", date(2026, 4, 5)),
        ("Asia/Kathmandu", date(2026, 6, 1)),
        ("Europe/Dublin", date(2026, 10, 25)),
        ("Europe/Amsterdam", date(1900, 1, 1)),
        ("Pacific/Chatham", date(2026, 4, 5)),
    ],
)
def test_an_hour_bucket_holds_exactly_the_instants_of_one_hour_key(zone, day):
    """Every minute of the range lies in one bucket, whose instants all have the same hour
    key, different from the neighbouring buckets' keys: matching events to buckets by instant
    range or by hour key gives the same buckets."""
    tz = ZoneInfo(zone)
    days = DateRange(day - timedelta(days=1), day + timedelta(days=1))
    got = buckets(days=days, interval="hour", tz=tz)
    keys = []
    for bucket in got:
        assert bucket.label == bucket.start.astimezone(tz).isoformat()
        minutes = int((bucket.end - bucket.start).total_seconds() // 60)
        bucket_keys = {
            hour_key(bucket.start + timedelta(minutes=m), tz) for m in range(0, minutes, 1)
        }
        bucket_keys.add(hour_key(bucket.end - timedelta(seconds=1), tz))
        assert len(bucket_keys) == 1, bucket
        keys.append(bucket_keys.pop())
    assert all(a != b for a, b in pairwise(keys))


def test_a_month_of_hours_is_the_longest_hourly_range():
    assert MAX_HOUR_RANGE_DAYS == 31
    days = DateRange(date(2026, 10, 15), date(2026, 11, 14))
    assert days.days == MAX_HOUR_RANGE_DAYS
    assert len(buckets(days=days, interval="hour", tz=NEW_YORK)) == 31 * 24 + 1


def test_an_unknown_interval_is_refused():
    with pytest.raises(ValueError):
        buckets(days=one_day(date(2026, 1, 1)), interval="minute", tz=NEW_YORK)


def test_timezone_names_are_places_that_postgresql_knows():
    names = timezone_names()
    assert {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} <= names
    assert "localtime" not in names
    assert "Factory" not in names
    validate_timezone("Australia/Lord_Howe")


@pytest.mark.parametrize(
    "name",
    ["", "utc", "Mars/Olympus_Mons", "localtime", "Factory", "../../etc/passwd", None, 1, ["UTC"]],
)
def test_timezone_validate_refuses_what_is_no_zone(name):
    with pytest.raises(ValidationError):
        validate_timezone(name)
