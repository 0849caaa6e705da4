"""day_aggregate: the rows of a known day, idempotence, stale days, empty days, concurrency."""

import threading
import time as clock
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, connections, models
from django.db.models import Sum

from aggregation.models import (
    ROLLUP_MODELS,
    AggregationDay,
    DayCustomEvent,
    DayDevice,
    DayPage,
    DayPathVisits,
    DaySource,
    DayTotal,
    Session,
    SessionEvents,
)
from aggregation.services import day_aggregate
from ingest.models import Channel, DeviceType, ScreenBucket
from reports import selectors
from reports.params import DateRange, ReportParams
from tests.aggregation.helpers import import_page_views
from tests.factories import website_make
from tests.reports.factories import event_build, events_insert
from websites.models import Website

pytestmark = pytest.mark.django_db

DAY = date(2026, 4, 7)
COUNT_FIELDS = (models.IntegerField, models.DecimalField)
DESKTOP = (DeviceType.DESKTOP, "Chrome", "Windows", ScreenBucket.UP_TO_1440)
BOT = (DeviceType.BOT, "Other", "Other", ScreenBucket.UNKNOWN)


def known_day(website) -> None:
    """Visitor 1: a visit / → /blog/a (Blog) with a custom event, 7 min, from Google; then a
    bounce on / 53 minutes later. Visitor 2: a bot's bounce. Visitor 3: a custom event alone
    (no visit). Visitor 4: excluded. An event of the next day stays out."""
    w, blog = website, {"content_group": "Blog"}
    google = {"referrer_channel": Channel.ORGANIC_SEARCH, "referrer_domain": "google.com"}
    bot = {"is_bot": True, "device_type": DeviceType.BOT, "browser_family": "Other"}
    events_insert(
        [
            event_build(w, "2026-04-07 10:00:00", 1, path="/", **google),
            event_build(w, "2026-04-07 10:05:00", 1, path="/blog/a", **blog),
            event_build(w, "2026-04-07 10:06:00", 1, "custom", path="/blog/a", event_name="signup"),
            event_build(w, "2026-04-07 10:07:00.5", 1, "scroll_25", path="/blog/a"),
            event_build(w, "2026-04-07 11:00:00", 1, path="/"),
            event_build(
                w,
                "2026-04-07 12:00:00",
                2,
                path="/",
                **bot,
                os_family="Other",
                screen_bucket=ScreenBucket.UNKNOWN,
            ),
            event_build(w, "2026-04-07 13:00:00", 3, "custom", path="/", event_name="play"),
            event_build(w, "2026-04-07 14:00:00", 4, path="/", is_excluded=True),
            event_build(w, "2026-04-08 00:00:00", 5, path="/"),
        ]
    )


def rows(website, *, months: bool = False) -> dict[str, set[tuple]]:
    """The website's day rows (or month rows) of every rollup table, without ids."""
    result = {}
    for model in ROLLUP_MODELS:
        fields = [f.name for f in model._meta.fields if f.name not in ("id", "website", "is_month")]
        result[model.__name__] = set(
            model.objects.filter(website=website, is_month=months).values_list(*fields)
        )
    return result


def month_sums(website, month: date) -> dict[str, set[tuple]]:
    """The sums of the website's day rows of `month`, shaped like its month rows."""
    result = {}
    for model in ROLLUP_MODELS:
        fields = [
            f.name for f in model._meta.fields if f.name not in ("id", "website", "is_month", "day")
        ]
        counts = [f for f in fields if type(model._meta.get_field(f)) in COUNT_FIELDS]
        keys = [f for f in fields if f not in counts]
        sums = (
            model.objects.filter(
                website=website, is_month=False, day__year=month.year, day__month=month.month
            )
            .values(*keys)
            .annotate(**{f"total_{count}": Sum(count) for count in counts})
            .values_list(*keys, *[f"total_{count}" for count in counts])
        )
        result[model.__name__] = {(month, *row) for row in sums}
    return result


def test_the_rows_of_a_known_day(website):
    known_day(website)

    written = day_aggregate(website_id=website.pk, day=DAY)

    seconds = Decimal("420.5")  # 10:00:00 .. 10:07:00.5
    assert rows(website) == {
        # day, is_bot, group_filter, visits, visitors, pageviews, unique pageviews, bounces,
        # entries, exits, duration
        DayTotal.__name__: {
            (DAY, False, "", 2, 1, 3, 3, 1, 2, 2, seconds),
            # The visit that viewed a Blog page: its Blog page view, its Blog exit.
            (DAY, False, "Blog", 1, 1, 1, 1, 0, 0, 1, seconds),
            (DAY, True, "", 1, 1, 1, 1, 1, 1, 1, Decimal(0)),
        },
        # day, is_bot, path, content group, pageviews, unique pageviews, entries, exits
        DayPage.__name__: {
            (DAY, False, "/", None, 2, 2, 2, 1),
            (DAY, False, "/blog/a", "Blog", 1, 1, 0, 1),
            (DAY, True, "/", None, 1, 1, 1, 1),
        },
        # day, is_bot, group_filter, path, visits, bounces, duration
        DayPathVisits.__name__: {
            (DAY, False, "", "/", 2, 1, seconds),
            (DAY, False, "", "/blog/a", 1, 0, seconds),
            (DAY, False, "Blog", "/", 1, 0, seconds),
            (DAY, False, "Blog", "/blog/a", 1, 0, seconds),
            (DAY, True, "", "/", 1, 1, Decimal(0)),
        },
        DaySource.__name__: {
            (DAY, False, "", Channel.ORGANIC_SEARCH, "google.com", None, None, None, 1),
            (DAY, False, "", Channel.DIRECT, None, None, None, None, 1),
            (DAY, False, "Blog", Channel.ORGANIC_SEARCH, "google.com", None, None, None, 1),
            (DAY, True, "", Channel.DIRECT, None, None, None, None, 1),
        },
        DayDevice.__name__: {
            (DAY, False, "", *DESKTOP, 2),
            (DAY, False, "Blog", *DESKTOP, 1),
            (DAY, True, "", *BOT, 1),
        },
        # Every custom event counts unfiltered; a group counts those of its visits.
        DayCustomEvent.__name__: {
            (DAY, False, "", "signup", 1),
            (DAY, False, "", "play", 1),
            (DAY, False, "Blog", "signup", 1),
        },
    }
    assert written == {
        "aggregation_daytotal": 3,
        "aggregation_daypage": 3,
        "aggregation_daypathvisits": 5,
        "aggregation_daysource": 4,
        "aggregation_daydevice": 3,
        "aggregation_daycustomevent": 3,
        # Visitor 1's two visits, the bot's, and visitor 3's session without a page view.
        "aggregation_session": 4,
    }
    day = AggregationDay.objects.get(website=website, day=DAY)
    assert (day.stale, day.status, day.sessions_stored) == (False, "aggregated", True)
    assert day.aggregated_at is not None
    sessions = Session.objects.filter(website=website).order_by("started_at")
    first = sessions.values(
        "day", "channel", "referrer_domain", "entry_page", "exit_page", "pageviews", "events"
    )[0]
    assert first == {
        "day": DAY,
        "channel": Channel.ORGANIC_SEARCH,
        "referrer_domain": "google.com",
        "entry_page": "/",
        "exit_page": "/blog/a",
        "pageviews": 2,
        "events": 4,
    }
    assert sessions[0].duration_us == 420_500_000
    events = SessionEvents.objects.get(session_id=sessions[0].id)
    assert (events.website_id, events.day) == (website.pk, DAY)
    assert events.event_types == [1, 1, 7, 3]
    assert events.event_groups == [None, "Blog", None, None]
    assert SessionEvents.objects.filter(website=website).count() == 4
    assert [(s.pageviews, s.events, s.is_bot) for s in sessions[1:]] == [
        (1, 1, False),
        (1, 1, True),
        (0, 1, False),
    ]


def test_running_it_twice_gives_the_same_rows(website):
    known_day(website)
    day_aggregate(website_id=website.pk, day=DAY)
    first = rows(website)

    day_aggregate(website_id=website.pk, day=DAY)

    assert rows(website) == first
    assert DayTotal.objects.filter(website=website, is_month=False).count() == 3
    assert AggregationDay.objects.filter(website=website).count() == 1


def april_rows(website) -> dict[str, set[tuple]]:
    return {
        name: {row for row in month_rows if row[0] == date(2026, 4, 1)}
        for name, month_rows in rows(website, months=True).items()
    }


def test_month_rows_hold_the_sums_of_the_months_day_rows(website):
    known_day(website)
    events_insert(
        [
            event_build(website, "2026-04-20 09:00:00", 9, path="/", content_group="Blog"),
            event_build(website, "2026-04-30 23:59:59", 9, path="/b"),
            event_build(website, "2026-05-01 00:00:00", 9, path="/c"),  # another month
        ]
    )
    for day in (DAY, date(2026, 4, 20), date(2026, 4, 30), date(2026, 5, 1)):
        day_aggregate(website_id=website.pk, day=day)

    assert april_rows(website) == month_sums(website, date(2026, 4, 1))
    assert (date(2026, 4, 1), False, "", 4, 3, 5, 5, 3, 4, 4, Decimal("420.5")) in april_rows(
        website
    )["DayTotal"]

    # Re-aggregating a day of the month after more events keeps the month rows in step.
    events_insert([event_build(website, "2026-04-20 18:00:00", 10, path="/d")])
    day_aggregate(website_id=website.pk, day=date(2026, 4, 20))
    assert april_rows(website) == month_sums(website, date(2026, 4, 1))


def test_other_days_and_websites_are_left_alone(website):
    known_day(website)
    other = website_make(account=website.account)
    known_day(other)
    day_aggregate(website_id=other.pk, day=DAY)
    day_aggregate(website_id=website.pk, day=date(2026, 4, 8))
    before = rows(other), rows(website)

    day_aggregate(website_id=website.pk, day=DAY)

    assert rows(other) == before[0]
    assert {row[0] for row in rows(website)["DayTotal"]} == {DAY, date(2026, 4, 8)}


def test_a_day_without_events_is_aggregated_with_no_rows(website):
    assert day_aggregate(website_id=website.pk, day=DAY) == dict.fromkeys(
        [model._meta.db_table for model in (*ROLLUP_MODELS, Session)], 0
    )

    assert AggregationDay.objects.aggregated().filter(website=website, day=DAY).exists()
    assert all(not model.objects.filter(website=website).exists() for model in ROLLUP_MODELS)


def test_an_unknown_website_is_refused(db):
    with pytest.raises(Website.DoesNotExist):
        day_aggregate(website_id="6f1c8a52-0000-4000-8000-000000000000", day=DAY)
    assert not AggregationDay.objects.exists()


def test_events_stored_after_aggregation_make_the_day_stale_until_the_next_run(website):
    import_page_views(website, day=DAY, visitors=2)
    day_aggregate(website_id=website.pk, day=DAY)
    params = ReportParams(period=DateRange(DAY, DAY))

    def visits() -> int:
        return selectors.report_summary(website=website, params=params)["metrics"]["visits"][
            "value"
        ]

    assert visits() == 2
    # A late import through events_store: three visitors at the same moment, two of whom (same
    # address, same agent, same day: same hash) were already there. One more visit.
    import_page_views(website, day=DAY, visitors=3)

    day = AggregationDay.objects.get(website=website, day=DAY)
    assert (day.stale, day.status) == (True, "stale")
    assert visits() == 3  # a stale day is read from its raw events
    assert DayTotal.objects.get(website=website, is_bot=False, is_month=False).visits == 2

    day_aggregate(website_id=website.pk, day=DAY)

    assert not AggregationDay.objects.get(website=website, day=DAY).stale
    assert DayTotal.objects.get(website=website, is_bot=False, is_month=False).visits == 3
    assert visits() == 3


def test_deleting_a_website_deletes_its_rollups(website):
    known_day(website)
    day_aggregate(website_id=website.pk, day=DAY)

    website.delete()

    assert all(not model.objects.exists() for model in ROLLUP_MODELS)


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_locked_the_day_first_is_in_the_rollups(tenant):
    """A batch of events marks its day in the transaction that stores them; an aggregation
    starting meanwhile waits for it, and must then count its events."""
    site = website_make(account=tenant.account)
    import_page_views(site, day=DAY, visitors=1)
    batch = _connect()
    try:
        with batch.transaction():
            batch.execute(
                "INSERT INTO ingest_event (website_id, timestamp, event_type, path,"
                " referrer_channel, browser_family, os_family, device_type, screen_bucket,"
                " ip_hash, is_bot, is_excluded)"
                " VALUES (%s, %s, 1, '/late', 1, 'Chrome', 'Windows', 1, 4,"
                " '00000000-0000-0000-0000-00000000abcd', false, false)",
                [site.pk, "2026-04-07 18:00:00+00"],
            )
            batch.execute(
                "UPDATE aggregation_aggregationday SET stale = true"
                " WHERE website_id = %s AND day = %s",
                [site.pk, DAY],
            )
            worker = threading.Thread(target=_aggregate_in_thread, args=(site.pk,))
            worker.start()
            _wait_for_a_lock_wait()
        worker.join(timeout=30)
        assert not worker.is_alive()
    finally:
        batch.close()

    assert DayTotal.objects.get(website=site, is_bot=False, is_month=False).visits == 2
    assert not AggregationDay.objects.get(website=site, day=DAY).stale


def _connect(**options) -> psycopg.Connection:
    """A connection of its own to the test database (another session than Django's)."""
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        **options,
    )


def _aggregate_in_thread(website_id) -> None:
    try:
        day_aggregate(website_id=website_id, day=DAY)
    finally:
        connections.close_all()


def _wait_for_a_lock_wait() -> None:
    deadline = clock.monotonic() + 10
    with _connect(autocommit=True) as watcher:
        while clock.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting:
                return
            clock.sleep(0.02)
    raise AssertionError("day_aggregate never waited for the batch's lock")


@pytest.mark.django_db(transaction=True)
def test_days_of_one_month_aggregated_at_once_leave_exact_month_rows(tenant):
    site = website_make(account=tenant.account)
    events_insert(
        [
            event_build(site, f"2026-04-{day:02d} {hour:02d}:00:00", visitor_number, path=path)
            for day in range(1, 11)
            for hour, visitor_number, path in ((9, 1, "/"), (12, 2, "/a"), (15, 1, "/b"))
        ]
    )
    start = threading.Barrier(10)

    def aggregate(day: date) -> None:
        try:
            start.wait(timeout=10)
            day_aggregate(website_id=site.pk, day=day)
        finally:
            connections.close_all()

    workers = [
        threading.Thread(target=aggregate, args=(date(2026, 4, day),)) for day in range(1, 11)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert AggregationDay.objects.aggregated().filter(website=site).count() == 10
    assert april_rows(site) == month_sums(site, date(2026, 4, 1))
    assert (date(2026, 4, 1), False, "", 30, 20, 30, 30, 30, 30, 30, Decimal(0)) in april_rows(
        site
    )["DayTotal"]


def test_a_months_first_stored_sessions_have_their_partitions_analyzed(website):
    """A partition PostgreSQL never analyzed is analyzed by the aggregation that first stores
    sessions in it (plans would take it for empty); an analyzed one is left to autovacuum."""
    from aggregation.sessions import SESSION_EVENTS_TABLE, SESSIONS_TABLE
    from analytics_site.partitions import month_partition_name

    day = date(2031, 7, 9)
    names = [month_partition_name(parent, day) for parent in (SESSIONS_TABLE, SESSION_EVENTS_TABLE)]
    events_insert([event_build(website, "2031-07-09 10:00:00", 1, path="/")])

    def reltuples() -> list[float]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = ANY(%s) ORDER BY relname", [names]
            )
            return [row[0] for row in cursor.fetchall()]

    day_aggregate(website_id=website.pk, day=day)  # creates the partitions if missing
    with connection.cursor() as cursor:  # as if never analyzed (the test rolls it back)
        cursor.execute("UPDATE pg_class SET reltuples = -1 WHERE relname = ANY(%s)", [names])
    assert reltuples() == [-1, -1]

    day_aggregate(website_id=website.pk, day=day)

    assert reltuples() == [1, 1]  # one session, its one row of events
