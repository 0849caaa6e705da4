"""Proof that rollups change no number: every report, every option, raw == rollups == any mix.

Hypothesis generates random traffic on five UTC days around February 2026 (31 January, 1, 14 and
28 February, 1 March): visitors whose events are separated by gaps around the 30-minute rule
(exactly 30:00 and 30:01 included), visits that cross midnight (and month ends), repeated
timestamps, bots (and the odd hash whose verdict flips), excluded traffic, page views in content
groups (independently of their paths), custom events with and without names, and a source, UTM
triple and device drawn per event (so a visit's first event decides). For every report with every
filter, `compare`, `group_by`, `event_name`, metric, `path` and pagination (a page, and every row
as CSV exports stream them), the JSON of the reference queries over raw events
(`reports.reference`) must equal, byte for byte, the JSON of `reports.selectors`:

- with a random set of days aggregated (and, at random, every day of February, so that reports
  covering the month read its month rows), and at random one other day stored in part as today
  is (its sessions closed before a quarter hour, and their rollup rows), the other days read
  live from raw events;
- then with every day that has events and every day of February aggregated.

The website's time zone is drawn too (UTC, New York, Kolkata at +05:30, Chatham at +13:45): days,
periods, sessions and rollups are its local days, and the numbers must agree all the same.
"""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregation.models import ROLLUP_MODELS, AggregationDay, Session, SessionEvents
from aggregation.services import day_aggregate, day_closed_sessions_store
from analytics_site.calendar import local_midnight
from ingest.models import Channel, DeviceType, Event, ScreenBucket
from reports import reference, selectors
from reports.params import TIMESERIES_METRICS, DateRange, ReportParams, comparison_resolve
from tests.reports.factories import EVENT_TYPES, event_build, events_insert, visitor

pytestmark = pytest.mark.django_db

# The days with traffic (a visit started late may run into the next day).
DAYS = [date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 14), date(2026, 2, 28), date(2026, 3, 1)]
FEBRUARY = [date(2026, 2, 1) + timedelta(days=n) for n in range(28)]
EVENT_DAYS = sorted({*DAYS, *(day + timedelta(days=1) for day in DAYS)})
# Local days that hold events in some zone (UTC-5 to UTC+13:45).
LOCAL_EVENT_DAYS = sorted({day + timedelta(days=shift) for day in EVENT_DAYS for shift in (-1, 0)})
TIME_ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
NOW = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)
# Periods: from one of these days to one of those (February whole or not; the previous period
# of 1 February .. 1 March ends on 31 January).
FIRST_DAYS = [date(2026, 1, 30), date(2026, 2, 1), date(2026, 2, 14)]
LAST_DAYS = [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]

PATHS = ["/", "/a", "/b", "/blog/x"]
GROUPS = [None, None, "Blog", "Docs"]
SOURCES = [
    (Channel.DIRECT, None, None, None, None),
    (Channel.ORGANIC_SEARCH, "google.com", None, None, None),
    (Channel.SOCIAL, "t.co", None, None, None),
    (Channel.EMAIL, None, "news", "email", "may"),
    (Channel.REFERRAL, "example.org", "=cmd", None, None),
    (Channel.PAID_SEARCH, "google.com", "ads", "cpc", None),
]
DEVICES = [
    (DeviceType.DESKTOP, "Chrome", "Windows", ScreenBucket.UP_TO_1440),
    (DeviceType.MOBILE, "Safari", "iOS", ScreenBucket.UP_TO_375),
    (DeviceType.TABLET, "Safari", "iPadOS", ScreenBucket.UP_TO_1024),
    (DeviceType.DESKTOP, "Firefox", "Linux", ScreenBucket.WIDER),
    (DeviceType.BOT, "Other", "Other", ScreenBucket.UNKNOWN),
]
# Seconds to the visitor's next event: around the 30-minute rule, and some long breaks.
GAPS = [0, 1, 59, 600, 1799, 1800, 1801, 3600, 4 * 3600]

event_strategy = st.fixed_dictionaries(
    {
        "gap": st.sampled_from(GAPS),
        "type": st.sampled_from(
            ["page_view"] * 4 + ["close_tab", "scroll_25", "outbound_link", "custom", "custom"]
        ),
        "path": st.sampled_from(PATHS),
        "group": st.sampled_from(GROUPS),
        "name": st.sampled_from(["signup", "play", None]),
        "source": st.sampled_from(SOURCES),
        "device": st.sampled_from(DEVICES),
        "excluded": st.sampled_from([False] * 9 + [True]),
        "flip_bot": st.sampled_from([False] * 19 + [True]),
    }
)
visitor_strategy = st.fixed_dictionaries(
    {
        "hash": st.integers(1, 6),
        "bot": st.sampled_from([False, False, False, True]),
        "day": st.sampled_from(DAYS),
        # Anywhere in the day, or in its last two hours (to cross midnight).
        "start": st.one_of(st.integers(0, 86_399), st.integers(86_400 - 7_200, 86_399)),
        "micro": st.integers(0, 999_999),
        "events": st.lists(event_strategy, min_size=1, max_size=8),
    }
)
traffic_strategy = st.lists(visitor_strategy, max_size=14)


def events_build(website, traffic: list[dict]) -> list[Event]:
    events = []
    for person in traffic:
        moment = datetime.combine(person["day"], time.min, tzinfo=UTC) + timedelta(
            seconds=person["start"], microseconds=person["micro"]
        )
        for event in person["events"]:
            channel, domain, utm_source, utm_medium, utm_campaign = event["source"]
            device, browser, os, screen = event["device"]
            events.append(
                Event(
                    website=website,
                    timestamp=moment,
                    ip_hash=visitor(person["hash"]),
                    event_type=EVENT_TYPES[event["type"]],
                    event_name=event["name"] if event["type"] == "custom" else None,
                    path=event["path"],
                    content_group=event["group"],
                    referrer_channel=channel,
                    referrer_domain=domain,
                    utm_source=utm_source,
                    utm_medium=utm_medium,
                    utm_campaign=utm_campaign,
                    device_type=device,
                    browser_family=browser,
                    os_family=os,
                    screen_bucket=screen,
                    is_bot=person["bot"] != event["flip_bot"],
                    is_excluded=event["excluded"],
                )
            )
            moment += timedelta(seconds=event["gap"])
    return events


def report_params(
    period: DateRange,
    *,
    include_bots: bool,
    group: str | None,
    time_zone: str,
    compare: str | None = None,
    page: int = 1,
    per_page: int | None = 2,
    **extra,
) -> ReportParams:
    return ReportParams(
        period=period,
        comparison=comparison_resolve(compare=compare, period=period) if compare else None,
        include_bots=include_bots,
        time_zone=time_zone,
        content_group=group,
        page=page,
        per_page=per_page,
        now=NOW,
        extra=extra,
    )


def cases(period: DateRange, time_zone: str) -> Iterator[tuple[str, str, ReportParams]]:
    """(label, report name, parameters): every report with every option, for one period."""
    for include_bots in (False, True):
        for group in (None, "Blog", "Docs"):
            where = f"bots={include_bots} group={group}"
            slice_ = {"include_bots": include_bots, "group": group, "time_zone": time_zone}
            for compare in (None, "previous_period", "yoy"):
                yield (
                    f"summary compare={compare} {where}",
                    "summary",
                    report_params(period, compare=compare, **slice_),
                )
            for paging in ({"page": 2}, {"per_page": None}):
                yield f"pages {paging} {where}", "pages", report_params(period, **paging, **slice_)
                yield f"flow {paging} {where}", "flow", report_params(period, **paging, **slice_)
                for group_by in ("channel", "domain", "utm"):
                    yield (
                        f"sources {group_by} {paging} {where}",
                        "sources",
                        report_params(period, group_by=group_by, **paging, **slice_),
                    )
            yield f"devices {where}", "devices", report_params(period, **slice_)
            for name in (None, "signup"):
                named = {"event_name": name} if name else {}
                yield (
                    f"custom-events {name} {where}",
                    "custom_events",
                    report_params(period, per_page=None, **named, **slice_),
                )
            yield (
                f"custom-events page 2 {where}",
                "custom_events",
                report_params(period, per_page=1, page=2, **slice_),
            )
            for metric in TIMESERIES_METRICS:
                for path in (None, "/a"):
                    yield (
                        f"timeseries {metric} {path} {where}",
                        "timeseries",
                        report_params(
                            period, metric=metric, **({"path": path} if path else {}), **slice_
                        ),
                    )
    # A content group that no event has.
    yield (
        "summary group=Nope",
        "summary",
        report_params(period, include_bots=False, group="Nope", time_zone=time_zone),
    )


def as_json(payload: dict) -> str:
    """The payload as the API would send it; lazy row lists (CSV) are read to the end."""
    consumed = {
        key: list(value) if isinstance(value, Iterator) else value for key, value in payload.items()
    }
    return json.dumps(consumed)


def reports(module, website, period: DateRange) -> dict[str, str]:
    return {
        label: as_json(getattr(module, f"report_{name}")(website=website, params=params))
        for label, name, params in cases(period, website.timezone)
    }


def tables_clear(website) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ingest_event WHERE website_id = %s", [website.pk])
    AggregationDay.objects.filter(website=website).delete()
    for model in (*ROLLUP_MODELS, Session, SessionEvents):
        model.objects.filter(website=website).delete()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    traffic=traffic_strategy,
    first=st.sampled_from(FIRST_DAYS),
    last=st.sampled_from(LAST_DAYS),
    aggregated=st.sets(st.sampled_from(LOCAL_EVENT_DAYS)),
    whole_february=st.booleans(),
    time_zone=st.sampled_from(TIME_ZONES),
    # A day stored in part, as today is every 5 minutes: its sessions closed before a quarter
    # hour of it (and their rollup rows), the rest read live.
    partly=st.one_of(st.none(), st.tuples(st.sampled_from(LOCAL_EVENT_DAYS), st.integers(0, 96))),
)
def test_every_report_is_the_same_from_raw_events_rollups_and_any_mix(
    website, traffic, first, last, aggregated, whole_february, time_zone, partly
):
    tables_clear(website)
    website.timezone = time_zone
    website.save(update_fields=["timezone"])
    events_insert(events_build(website, traffic))
    period = DateRange(first, last)
    expected = reports(reference, website, period)

    mix = aggregated | (set(FEBRUARY) if whole_february else set())
    for day in sorted(mix):
        day_aggregate(website_id=website.pk, day=day)
    if partly and partly[0] not in mix:
        day, quarters = partly
        cutoff = local_midnight(day, time_zone) + timedelta(minutes=15 * quarters)
        day_closed_sessions_store(website_id=website.pk, day=day, cutoff=cutoff)
    assert reports(selectors, website, period) == expected

    for day in sorted({*LOCAL_EVENT_DAYS, *FEBRUARY} - mix):
        day_aggregate(website_id=website.pk, day=day)
    assert reports(selectors, website, period) == expected


def test_a_visitor_with_visits_before_and_after_the_cutoff_counts_once(website):
    """Today stored in part: a visitor's closed visit is in the stored rollup rows, its later
    visit live; it is one visitor, in every slice its visits share (and in a slice only the
    live visit is in)."""
    tables_clear(website)
    day = date(2026, 2, 14)
    events_insert(
        [
            event_build(website, "2026-02-14 08:00:00", 1, path="/blog/x", content_group="Blog"),
            event_build(website, "2026-02-14 08:05:00", 1, path="/a"),
            event_build(website, "2026-02-14 12:00:00", 1, path="/blog/x", content_group="Blog"),
            event_build(website, "2026-02-14 12:01:00", 1, path="/docs", content_group="Docs"),
            event_build(website, "2026-02-14 08:30:00", 2, path="/a"),
            event_build(website, "2026-02-14 11:59:00", 2, path="/b"),
        ]
    )
    period = DateRange(day, day)
    expected = reports(reference, website, period)
    day_closed_sessions_store(
        website_id=website.pk, day=day, cutoff=datetime(2026, 2, 14, 10, 0, tzinfo=UTC)
    )
    assert Session.objects.filter(website=website).count() == 2  # both 08:00 visits
    for group, visitors in ((None, 2), ("Blog", 1), ("Docs", 1)):
        summary = json.loads(expected[f"summary compare=None bots=False group={group}"])
        assert summary["metrics"]["unique_visitors"]["value"] == visitors, group
    assert reports(selectors, website, period) == expected
