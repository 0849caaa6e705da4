"""The oracle against hand-computed answers: one small case per rule of the spec (spec9.md).

Every expected value is worked out by hand in the comments, never by asking the oracle twice.
No database: the oracle is plain Python over event dicts.
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from tests.stats.oracle import change, oracle_query, range_resolve, round_half_up

PV, CLOSE, SCROLL, CUSTOM = 1, 2, 3, 7
_ids = itertools.count(1)

DAY = ["2026-03-10", "2026-03-10"]  # a Tuesday


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """An instant of 2026-03-10 UTC."""
    return utc(2026, 3, 10, hour, minute, second, microsecond)


def event(when: datetime, path: str = "/", *, kind: int = PV, visitor: str = "a", **fields):
    row = {
        "id": next(_ids),
        "timestamp": when,
        "event_type": kind,
        "event_name": None,
        "path": path,
        "referrer_domain": None,
        "referrer_channel": 1,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "utm_term": None,
        "utm_content": None,
        "browser_family": "Chrome",
        "os_family": "Linux",
        "device_type": 1,
        "screen_bucket": 0,
        "country": None,
        "ip_hash": visitor,
        "content_group": None,
        "is_bot": False,
        "is_excluded": False,
        "properties": None,
    }
    row.update(fields)
    return row


def ask(events, *, tz="UTC", today=date(2026, 3, 10), first_day=None, **query):
    query.setdefault("date_range", DAY)
    return oracle_query(events, timezone=tz, query=query, today=today, first_day=first_day)


def row(dimensions, metrics, comparison=None) -> dict:
    result = {"dimensions": dimensions, "metrics": metrics}
    if comparison is not None:
        result["comparison"] = comparison
    return result


def only_metrics(events, metrics, **query) -> list:
    """The metrics of the one row of a query without dimensions."""
    answer = ask(events, metrics=metrics, **query)
    assert answer["meta"]["total_rows"] == 1
    return answer["results"][0]["metrics"]


# --- sessions ----------------------------------------------------------------------------------


def test_a_gap_of_exactly_30_minutes_keeps_the_session_one_microsecond_more_splits_it():
    events = [
        event(at(10, 0), "/a"),
        event(at(10, 30), "/b"),  # gap 30:00 exactly: same session
        event(at(11, 0, 0, 1), "/c"),  # gap 30:00.000001: a new session
    ]
    # Sessions: [10:00, 10:30] (2 page views, 1800 s) and [11:00:00.000001] (a bounce, 0 s).
    # visitors 1 (one hash, one day), visits 2, pageviews 3, duration (1800 + 0) / 2 = 900,
    # bounce_rate 1 / 2 = 50.0.
    assert only_metrics(
        events, ["visitors", "visits", "pageviews", "visit_duration", "bounce_rate"]
    ) == [1, 2, 3, 900, 50.0]


def test_sessions_split_at_local_midnight_in_new_york_not_at_utc_midnight():
    # New York is at -04:00 on 10 March 2026 (DST since 8 March): local midnight = 04:00 UTC.
    across_local_midnight = [
        event(utc(2026, 3, 11, 3, 50)),  # 23:50 on the 10th, local
        event(utc(2026, 3, 11, 4, 5)),  # 00:05 on the 11th, local: 15 min later, another day
    ]
    answer = ask(
        across_local_midnight,
        tz="America/New_York",
        date_range=["2026-03-10", "2026-03-11"],
        metrics=["visits", "visitors"],
        dimensions=["time:day"],
    )
    assert answer["results"] == [row(["2026-03-10"], [1, 1]), row(["2026-03-11"], [1, 1])]
    # Without the time dimension: 2 visits; visitors summed over the two days = 1 + 1 = 2.
    assert only_metrics(
        across_local_midnight,
        ["visits", "visitors"],
        tz="America/New_York",
        date_range=["2026-03-10", "2026-03-11"],
    ) == [2, 2]

    across_utc_midnight = [
        event(utc(2026, 3, 10, 23, 50)),  # 19:50 local
        event(utc(2026, 3, 11, 0, 5)),  # 20:05 local, same local day: one 900 s visit
    ]
    assert only_metrics(
        across_utc_midnight,
        ["visits", "visitors", "visit_duration"],
        tz="America/New_York",
        date_range=["2026-03-10", "2026-03-11"],
    ) == [1, 1, 900]


def test_sessions_split_at_local_midnight_in_kolkata():
    # Asia/Kolkata is +05:30: local midnight of the 11th is 18:30 UTC on the 10th.
    events = [
        event(utc(2026, 3, 9, 18, 29, 59), visitor="b"),  # 23:59:59 on the 9th: out of range
        event(utc(2026, 3, 9, 18, 30), visitor="b"),  # 00:00 on the 10th: in
        event(utc(2026, 3, 10, 18, 25)),  # 23:55 on the 10th
        event(utc(2026, 3, 10, 18, 35)),  # 00:05 on the 11th: a new session
    ]
    answer = ask(
        events,
        tz="Asia/Kolkata",
        date_range=["2026-03-10", "2026-03-11"],
        metrics=["visits", "visitors", "pageviews"],
        dimensions=["time:day"],
    )
    # The 10th: b's visit and a's first one (2 visits, 2 hashes, 2 page views); the 11th: a's.
    assert answer["results"] == [row(["2026-03-10"], [2, 2, 2]), row(["2026-03-11"], [1, 1, 1])]
    assert answer["meta"] == {"total_rows": 2, "time_labels": ["2026-03-10", "2026-03-11"]}


def test_a_visit_is_a_session_with_a_page_view():
    events = [
        event(at(10, 0), kind=CUSTOM, event_name="signup", visitor="a"),  # no page view
        event(at(10, 0), visitor="b"),
        event(at(10, 1), kind=CLOSE, visitor="b"),
        event(at(10, 0), kind=CLOSE, visitor="c"),  # no page view
    ]
    # Only b's session is a visit: visitors 1, visits 1, pageviews 1; events counts all 4.
    assert only_metrics(events, ["visitors", "visits", "pageviews", "events"]) == [1, 1, 1, 4]


def test_visit_attributes_come_from_the_first_event_entry_and_exit_from_page_views():
    first = {
        "referrer_domain": "google.com",
        "referrer_channel": 2,
        "utm_source": "news",
        "utm_medium": "mail",
        "utm_campaign": "spring",
        "utm_term": "shoes",
        "utm_content": "banner",
        "device_type": 2,
        "browser_family": "Firefox",
        "os_family": "Android",
        "screen_bucket": 1,
        "country": "DE",
    }
    later = {
        "referrer_domain": "bing.com",
        "referrer_channel": 3,
        "device_type": 1,
        "screen_bucket": 5,
        "country": "FR",
        "utm_source": "other",
    }
    events = [
        event(at(10, 0), "/x", kind=SCROLL, **first),  # first event: not a page view
        event(at(10, 1), "/a", **later),  # first page view: entry page
        event(at(10, 2), "/b", **later),  # last page view: exit page
        event(at(10, 3), "/c", kind=CUSTOM, event_name="e", **later),
    ]
    dimensions = [
        "visit:source",
        "visit:channel",
        "visit:utm_source",
        "visit:utm_medium",
        "visit:utm_campaign",
        "visit:utm_term",
        "visit:utm_content",
        "visit:device",
        "visit:browser",
        "visit:os",
        "visit:screen",
        "visit:country",
        "visit:entry_page",
        "visit:exit_page",
    ]
    answer = ask(events, metrics=["visits", "visit_duration", "bounce_rate"], dimensions=dimensions)
    # One visit of 3 minutes (10:00 → 10:03, every event type counts), 2 page views: no bounce.
    assert answer["results"] == [
        row(
            [
                "google.com",
                "Organic Search",
                "news",
                "mail",
                "spring",
                "shoes",
                "banner",
                "mobile",
                "Firefox",
                "Android",
                "320-375",
                "DE",
                "/a",
                "/b",
            ],
            [1, 180, 0.0],
        )
    ]


def test_event_metrics_of_a_session_without_page_view_have_no_entry_page():
    events = [event(at(10, 0), "/x", kind=CUSTOM, event_name="e")]
    answer = ask(events, metrics=["events"], dimensions=["visit:entry_page"])
    # Not a visit (no entry page: null), but its event counts.
    assert answer["results"] == [row([None], [1])]


def test_bounce_and_duration_include_every_event_type():
    events = [
        event(at(10, 0), visitor="a"),
        event(at(10, 0, 30), kind=SCROLL, visitor="a"),  # bounce of 30 s
        event(at(11, 0), visitor="b"),
        event(at(11, 1), visitor="b"),  # 2 page views, 60 s
        event(at(12, 0), visitor="c"),  # bounce of 0 s
    ]
    # bounce_rate 2 / 3 * 100 = 66.666… → 66.67; duration (30 + 60 + 0) / 3 = 30.
    assert only_metrics(events, ["bounce_rate", "visit_duration"]) == [66.67, 30]


def test_visit_duration_rounds_half_up():
    def visits_lasting(*durations: timedelta) -> list[dict]:
        events = []
        for n, duration in enumerate(durations):
            start = at(10 + n)
            events += [event(start, visitor=f"v{n}"), event(start + duration, visitor=f"v{n}")]
        return events

    seconds = timedelta(seconds=1)
    # (1 + 2) / 2 = 1.5 → 2; (2 + 3) / 2 = 2.5 → 3 (not the banker's 2).
    assert only_metrics(visits_lasting(1 * seconds, 2 * seconds), ["visit_duration"]) == [2]
    assert only_metrics(visits_lasting(2 * seconds, 3 * seconds), ["visit_duration"]) == [3]
    # 0.5 s → 1; 0.499999 s → 0.
    half = timedelta(microseconds=500_000)
    assert only_metrics(visits_lasting(half), ["visit_duration"]) == [1]
    assert only_metrics(visits_lasting(half - timedelta(microseconds=1)), ["visit_duration"]) == [0]


def test_rates_round_half_up_exactly():
    # 32 visits, one of them a bounce: 1 / 32 * 100 = 3.125 → 3.13 (float round() gives 3.12).
    # Page views: 1 + 31 * 2 = 63; 63 / 32 = 1.96875 → 1.97.
    events = [event(at(10), visitor="v0")]
    for n in range(1, 32):
        events += [event(at(10), visitor=f"v{n}"), event(at(10, 1), visitor=f"v{n}")]
    assert only_metrics(events, ["visits", "bounce_rate", "views_per_visit"]) == [32, 3.13, 1.97]

    # 8 visits, 9 page views: 9 / 8 = 1.125 → 1.13; bounces 7 / 8 = 87.5.
    events = [event(at(10), visitor=f"w{n}") for n in range(8)] + [event(at(10, 1), visitor="w0")]
    assert only_metrics(events, ["views_per_visit", "bounce_rate"]) == [1.13, 87.5]


def test_round_half_up_and_change():
    assert round_half_up(Fraction(1, 8), 2) == round_half_up(Fraction(13, 100), 2)  # 0.125 → 0.13
    assert str(round_half_up(Fraction(-1, 8), 2)) == "-0.13"  # ties away from zero
    # (33 - 32) / 32 * 100 = 3.125 → 3.13; (1 - 32) / 32 * 100 = -96.875 → -96.88.
    assert change(33, 32) == 3.13
    assert change(1, 32) == -96.88
    # From the values as displayed: (33.33 - 66.67) / 66.67 * 100 = -50.0074… → -50.01.
    assert change(33.33, 66.67) == -50.01
    assert change(5, 0) is None
    assert change(0.0, 0.0) is None


def test_visitors_are_summed_over_local_days():
    events = [
        event(at(10), visitor="a"),
        event(at(12), visitor="a"),  # a second visit of a the same day: still 1 visitor
        event(utc(2026, 3, 11, 10), visitor="a"),  # a again the next day: a visitor again
    ]
    two_days = ["2026-03-10", "2026-03-11"]  # Tuesday and Wednesday: one ISO week
    assert only_metrics(events, ["visitors", "visits"], date_range=two_days) == [2, 3]
    by_day = ask(
        events, date_range=two_days, metrics=["visitors", "visits"], dimensions=["time:day"]
    )
    assert by_day["results"] == [row(["2026-03-10"], [1, 2]), row(["2026-03-11"], [1, 1])]
    # The week bucket sums its days: 1 + 1 = 2 visitors; label = the range's first day.
    by_week = ask(
        events, date_range=two_days, metrics=["visitors", "visits"], dimensions=["time:week"]
    )
    assert by_week["results"] == [row(["2026-03-10"], [2, 3])]
    assert by_week["meta"]["time_labels"] == ["2026-03-10"]


# --- filters -----------------------------------------------------------------------------------


def three_visits() -> list[dict]:
    return [
        # a viewed /x and /y
        event(at(10, 0), "/x", visitor="a"),
        event(at(10, 1), "/y", visitor="a"),
        # b viewed /y and scrolled there
        event(at(10, 0), "/y", visitor="b"),
        event(at(10, 1), "/y", kind=SCROLL, visitor="b"),
        # c viewed /x
        event(at(10, 0), "/x", visitor="c"),
    ]


def test_an_event_filter_selects_events_and_the_visits_having_one():
    metrics = ["visits", "pageviews", "events"]
    # Visits with a page view of /x: a, c. Events on /x: a's and c's page views.
    assert only_metrics(three_visits(), metrics, filters=[["is", "event:page", ["/x"]]]) == [
        2,
        2,
        2,
    ]


def test_not_of_an_event_filter_keeps_the_visits_without_it():
    metrics = ["visits", "pageviews", "events"]
    # Visits that never viewed /x: b only; its events: the page view and the scroll on /y.
    assert only_metrics(
        three_visits(), metrics, filters=[["not", ["is", "event:page", ["/x"]]]]
    ) == [1, 1, 2]


def test_is_not_on_an_event_dimension_selects_the_events_not_matching():
    metrics = ["visits", "pageviews", "events"]
    # Visits with a page view not on /x: a (/y) and b (/y). Events not on /x: a's /y page view,
    # b's /y page view and b's scroll: pageviews 2, events 3.
    assert only_metrics(three_visits(), metrics, filters=[["is_not", "event:page", ["/x"]]]) == [
        2,
        2,
        3,
    ]


def test_event_page_counts_page_views_for_visits_any_event_for_event_metrics():
    events = [
        event(at(10, 0), "/a"),
        event(at(10, 1), "/x", kind=CUSTOM, event_name="signup"),
    ]
    # The visit never *viewed* /x (its event there is a custom event): visits 0. Event metrics
    # count any event on /x: events 1 (the custom one), pageviews 0.
    metrics = ["visits", "pageviews", "events"]
    assert only_metrics(events, metrics, filters=[["is", "event:page", ["/x"]]]) == [0, 0, 1]
    # By page: the /x row exists because `events` reads the custom event; it has no visit.
    by_page = ask(
        events,
        metrics=["visits", "events"],
        dimensions=["event:page"],
        filters=[["is", "event:page", ["/x"]]],
    )
    assert by_page["results"] == [row(["/x"], [0, 1])]
    # event:name looks at every event of the visit: the visit has a signup; among events only the
    # custom one has that name (page views have no name): visits 1, pageviews 0, events 1.
    assert only_metrics(events, metrics, filters=[["is", "event:name", ["signup"]]]) == [1, 0, 1]


def test_several_top_level_event_filters():
    events = [
        event(at(10, 0), "/x", visitor="a"),
        event(at(10, 1), "/y", kind=CUSTOM, event_name="signup", visitor="a"),
        event(at(10, 0), "/x", visitor="b"),  # b has no signup
    ]
    filters = [["is", "event:page", ["/x"]], ["is", "event:name", ["signup"]]]
    # A visit needs each leaf matched by some event (not the same one): a only → visits 1.
    # An event must match both: on /x *and* a signup: none → pageviews 0, events 0.
    assert only_metrics(events, ["visits", "pageviews", "events"], filters=filters) == [1, 0, 0]


def sources() -> list[dict]:
    return [
        event(at(10), visitor="a", referrer_domain="google.com"),
        event(at(10), visitor="b"),  # direct: no source (null)
        event(at(10), visitor="c", referrer_domain="bing.com"),
    ]


def visits_where(events, *filters) -> int:
    return only_metrics(events, ["visits"], filters=list(filters))[0]


def test_null_values_in_filters():
    events = sources()
    # is_not keeps null unless it is listed: b, c → 2; then c → 1.
    assert visits_where(events, ["is_not", "visit:source", ["google.com"]]) == 2
    assert visits_where(events, ["is_not", "visit:source", ["google.com", None]]) == 1
    # is [null] selects the direct visit b; is [null, "bing.com"] b and c.
    assert visits_where(events, ["is", "visit:source", [None]]) == 1
    assert visits_where(events, ["is", "visit:source", [None, "bing.com"]]) == 2
    # contains never matches null ("oo": google.com only); contains_not keeps it (b, c).
    assert visits_where(events, ["contains", "visit:source", ["oo"]]) == 1
    assert visits_where(events, ["contains_not", "visit:source", ["oo"]]) == 2
    # matches "^b": bing.com only; matches_not: google.com and null.
    assert visits_where(events, ["matches", "visit:source", ["^b"]]) == 1
    assert visits_where(events, ["matches_not", "visit:source", ["^b"]]) == 2
    # Several values mean any of them: google.com or bing.com.
    assert visits_where(events, ["contains", "visit:source", ["goo", "bin"]]) == 2


def test_null_event_values_are_kept_by_negative_operators():
    events = [
        event(at(10), "/a", content_group="blog"),
        event(at(10, 1), "/b"),  # no content group
    ]
    # Page views whose group is not "blog": /b (null) → the visit counts, pageviews 1.
    filters = [["is_not", "event:content_group", ["blog"]]]
    assert only_metrics(events, ["visits", "pageviews"], filters=filters) == [1, 1]
    filters = [["is_not", "event:content_group", ["blog", None]]]
    assert only_metrics(events, ["visits", "pageviews"], filters=filters) == [0, 0]


def test_case_insensitive_filters():
    events = [
        event(at(10), "/Blog/Post", visitor="a"),
        event(at(10), "/blog", visitor="b"),
        event(at(10), "/about", visitor="c"),
    ]
    insensitive = {"case_sensitive": False}
    # Exact, ignoring case: /blog (b); case-sensitive: nothing is "/BLOG".
    assert visits_where(events, ["is", "event:page", ["/BLOG"], insensitive]) == 1
    assert visits_where(events, ["is", "event:page", ["/BLOG"]]) == 0
    # Substring: a and b ignoring case; "Blog" as written: a.
    assert visits_where(events, ["contains", "event:page", ["BLOG"], insensitive]) == 2
    assert visits_where(events, ["contains", "event:page", ["Blog"]]) == 1
    # Regex: a and b ignoring case; only b case-sensitively.
    assert visits_where(events, ["matches", "event:page", ["^/B"], insensitive]) == 2
    assert visits_where(events, ["matches", "event:page", ["^/b"]]) == 1
    # The negative ones ignore case too: not /BLOG → a and c.
    assert visits_where(events, ["is_not", "event:page", ["/BLOG"], insensitive]) == 2
    # Case-sensitively no path contains "BLOG": contains_not keeps all 3.
    assert visits_where(events, ["contains_not", "event:page", ["BLOG"]]) == 3


def test_nested_and_or_not():
    events = [
        event(at(10), "/x", visitor="a", country="DE", device_type=2),
        event(at(10), "/y", visitor="b", country="DE", device_type=1),
        event(at(10), "/y", visitor="c", country="FR", device_type=2),
        event(at(10), "/x", visitor="d", country="US", device_type=1),
        event(at(10), "/y", visitor="e", country="US", device_type=1),
    ]
    german_mobile = ["and", [["is", "visit:country", ["DE"]], ["is", "visit:device", ["mobile"]]]]
    elsewhere_without_x = [
        "not",
        ["or", [["is", "visit:country", ["DE", "FR"]], ["is", "event:page", ["/x"]]]],
    ]
    # german_mobile: a. elsewhere_without_x: neither DE/FR nor viewed /x: e (d viewed /x).
    answer = ask(
        events,
        metrics=["visits"],
        dimensions=["visit:country"],
        filters=[["or", [german_mobile, elsewhere_without_x]]],
    )
    # visits desc, then country ascending: DE 1, US 1.
    assert answer["results"] == [row(["DE"], [1]), row(["US"], [1])]


def test_an_event_filter_inside_a_compound_keeps_every_event_of_the_visit():
    filters = [["or", [["is", "event:page", ["/x"]], ["is", "visit:country", ["ZZ"]]]]]
    # Visits that viewed /x: a and c; their events (every one, the compound keeps visits):
    # a's /x and /y, c's /x: pageviews 3, events 3.
    assert only_metrics(three_visits(), ["visits", "pageviews", "events"], filters=filters) == [
        2,
        3,
        3,
    ]


# --- dimensions * metrics ----------------------------------------------------------------------


def pages_and_sources() -> list[dict]:
    return [
        # a, from google.com: /a, /b, /a
        event(at(10, 0), "/a", visitor="a", referrer_domain="google.com"),
        event(at(10, 5), "/b", visitor="a"),
        event(at(10, 10), "/a", visitor="a"),
        # b, direct: /b and a scroll there (a bounce)
        event(at(10, 0), "/b", visitor="b"),
        event(at(10, 2), "/b", kind=SCROLL, visitor="b"),
        # c, from google.com: a custom event only (not a visit)
        event(
            at(10, 0), "/c", kind=CUSTOM, event_name="e", visitor="c", referrer_domain="google.com"
        ),
    ]


def test_visit_metrics_by_event_page_count_the_visits_that_viewed_it():
    answer = ask(
        pages_and_sources(),
        metrics=["visits", "bounce_rate", "pageviews", "events"],
        dimensions=["event:page"],
    )
    # /a: visit a (no bounce), 2 page views, 2 events.
    # /b: visits a and b (b bounces: 50.0), page views a's and b's (2), events + b's scroll (3).
    # /c: no visit viewed it (0, 0.0), 0 page views, 1 event (c's custom event).
    # Order: visits desc, then page ascending.
    assert answer["results"] == [
        row(["/b"], [2, 50.0, 2, 3]),
        row(["/a"], [1, 0.0, 2, 2]),
        row(["/c"], [0, 0.0, 0, 1]),
    ]


def test_event_metrics_by_a_visit_dimension():
    answer = ask(pages_and_sources(), metrics=["pageviews", "events"], dimensions=["visit:source"])
    # google.com: a's 3 page views; events + c's custom = 4. null (b): 1 page view, 2 events.
    assert answer["results"] == [row(["google.com"], [3, 4]), row([None], [1, 2])]


def test_rows_are_those_the_requested_metrics_read():
    events = pages_and_sources()
    # Visits by type: a has page views; b page views and a scroll; c is not a visit (no row).
    by_type = ask(events, metrics=["visits"], dimensions=["event:type"])
    assert by_type["results"] == [row(["page_view"], [2]), row(["scroll_25"], [1])]
    # pageviews reads page views only: a single row of 4.
    by_type = ask(events, metrics=["pageviews"], dimensions=["event:type"])
    assert by_type["results"] == [row(["page_view"], [4])]
    # events reads every event: custom 1, page_view 4, scroll 1 → 4, then 1, 1 by type.
    by_type = ask(events, metrics=["events"], dimensions=["event:type"])
    assert by_type["results"] == [
        row(["page_view"], [4]),
        row(["custom"], [1]),
        row(["scroll_25"], [1]),
    ]


def test_two_event_dimensions_take_both_values_from_the_same_event():
    events = [
        event(at(10, 0), "/a"),
        event(at(10, 1), "/a", kind=CUSTOM, event_name="signup"),
    ]
    answer = ask(events, metrics=["events"], dimensions=["event:page", "event:name"])
    # (/a, null) for the page view, (/a, signup) for the custom event; tie → null first.
    assert answer["results"] == [row(["/a", None], [1]), row(["/a", "signup"], [1])]
    # For visits, event:page looks at page views only: the one combination (/a, null).
    answer = ask(events, metrics=["visits"], dimensions=["event:page", "event:name"])
    assert answer["results"] == [row(["/a", None], [1])]


def test_event_properties():
    events = [
        event(at(10, 0), properties={"plan": "pro", "n": 3, "ok": True}),
        event(at(10, 1), properties=None),
        event(at(10, 2), properties={"plan": None, "n": -12, "ok": False}),
        event(at(10, 3), properties={"o": {"bb": 1, "a": [True, None, "x"]}}),
    ]

    def values(key: str) -> list:
        answer = ask(events, metrics=["events"], dimensions=[f"event:props:{key}"])
        return [(result["dimensions"][0], result["metrics"][0]) for result in answer["results"]]

    # Absent key, null properties and a JSON null are all null.
    assert values("plan") == [(None, 3), ("pro", 1)]
    assert values("n") == [(None, 2), ("-12", 1), ("3", 1)]
    assert values("ok") == [(None, 2), ("false", 1), ("true", 1)]
    # A nested object as jsonb writes it: keys shortest first, ", " and ": ".
    assert values("o") == [(None, 3), ('{"a": [true, null, "x"], "bb": 1}', 1)]
    filters = [["is", "event:props:ok", ["true"]]]
    assert only_metrics(events, ["events"], filters=filters) == [1]


def test_views_per_visit():
    events = [
        event(at(10, 0), "/a", visitor="a"),
        event(at(10, 1), "/a", visitor="a"),
        event(at(10, 2), "/b", visitor="a"),
        event(at(10, 0), "/a", visitor="b"),
    ]
    # Site-wide: 4 page views / 2 visits = 2.0.
    assert only_metrics(events, ["views_per_visit"]) == [2.0]
    answer = ask(events, metrics=["views_per_visit", "visits"], dimensions=["event:page"])
    # /a: 3 page views / 2 visits = 1.5; /b: 1 / 1 = 1.0.
    assert answer["results"] == [row(["/a"], [1.5, 2]), row(["/b"], [1.0, 1])]


def test_bots_and_excluded_traffic():
    events = [
        event(at(10), visitor="a"),
        event(at(10, 1), visitor="a", is_bot=True),  # same hash, bot verdict: its own session
        event(at(10), visitor="x", is_excluded=True),  # never counted
    ]
    assert only_metrics(events, ["visits", "visitors"]) == [1, 1]
    # With bots: 2 sessions and 2 visitors (both keyed by the verdict, as the reports count).
    assert only_metrics(events, ["visits", "visitors"], include_bots=True) == [2, 2]


def test_no_dimension_gives_one_row_even_without_data():
    metrics = [
        "visitors",
        "visits",
        "pageviews",
        "views_per_visit",
        "bounce_rate",
        "visit_duration",
        "events",
    ]
    assert ask([], metrics=metrics) == {
        "results": [row([], [0, 0, 0, 0.0, 0.0, 0, 0])],
        "meta": {"total_rows": 1, "time_labels": []},
    }
    assert ask([], metrics=metrics, dimensions=["visit:source"]) == {
        "results": [],
        "meta": {"total_rows": 0, "time_labels": []},
    }


# --- time --------------------------------------------------------------------------------------


def test_hours_across_the_new_york_dst_fall_back():
    # 1 November 2026: clocks go from 02:00 EDT (06:00 UTC) back to 01:00 EST.
    events = [
        event(utc(2026, 11, 1, 5, 30), visitor="a"),  # 01:30 EDT: a's visit starts
        event(utc(2026, 11, 1, 5, 50), kind=SCROLL, visitor="a"),
        event(utc(2026, 11, 1, 6, 10), visitor="a"),  # 01:10 EST, same visit (20 min gap)
        event(utc(2026, 11, 1, 6, 30), visitor="b"),  # 01:30 EST: b's visit
    ]
    answer = ask(
        events,
        tz="America/New_York",
        today=date(2026, 11, 1),
        date_range="today",
        metrics=["visitors", "visits", "pageviews"],
        dimensions=["time:hour"],
    )
    # Visit metrics in the hour the visit starts, page views in their own hour.
    assert answer["results"] == [
        row(["2026-11-01T01:00:00-04:00"], [1, 1, 1]),
        row(["2026-11-01T01:00:00-05:00"], [1, 1, 2]),
    ]
    labels = answer["meta"]["time_labels"]
    # 25 hours: 00:00 and 01:00 EDT, then 01:00 to 23:00 EST.
    assert len(labels) == 25
    assert labels[:4] == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T02:00:00-05:00",
    ]
    assert labels[-1] == "2026-11-01T23:00:00-05:00"


def test_hours_across_the_spring_forward_and_half_hour_offsets():
    labels = ask(
        [],
        tz="America/New_York",
        date_range=["2026-03-08", "2026-03-08"],
        metrics=["visits"],
        dimensions=["time:hour"],
    )["meta"]["time_labels"]
    # 23 hours: 02:00 does not exist on 8 March 2026.
    assert len(labels) == 23
    assert labels[1:3] == ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"]

    # Kolkata hours start at :30 UTC: 00:45 UTC is 06:15 local, in the 06:00 hour (00:30 UTC).
    answer = ask(
        [event(utc(2026, 3, 10, 0, 45))],
        tz="Asia/Kolkata",
        metrics=["pageviews"],
        dimensions=["time:hour"],
    )
    assert answer["results"] == [row(["2026-03-10T06:00:00+05:30"], [1])]
    labels = answer["meta"]["time_labels"]
    assert len(labels) == 24
    assert (labels[0], labels[-1]) == ("2026-03-10T00:00:00+05:30", "2026-03-10T23:00:00+05:30")


def test_weeks_and_months_are_clipped_to_the_range():
    events = [
        event(utc(2026, 3, 5, 10), visitor="a"),  # Thursday of the week of Monday 2 March
        event(utc(2026, 3, 15, 10), visitor="b"),  # Sunday of the week of Monday 9 March
        event(utc(2026, 3, 17, 10), visitor="c"),  # Tuesday of the week of Monday 16 March
    ]
    answer = ask(
        events,
        date_range=["2026-03-04", "2026-03-17"],
        metrics=["visits"],
        dimensions=["time:week"],
    )
    # The first week starts on Wednesday the 4th inside the range: labelled 2026-03-04.
    assert answer["meta"]["time_labels"] == ["2026-03-04", "2026-03-09", "2026-03-16"]
    assert answer["results"] == [
        row(["2026-03-04"], [1]),
        row(["2026-03-09"], [1]),
        row(["2026-03-16"], [1]),
    ]
    answer = ask(
        [event(utc(2026, 2, 20, 10))],
        date_range=["2026-01-15", "2026-03-02"],
        metrics=["visits"],
        dimensions=["time:month"],
    )
    assert answer["meta"]["time_labels"] == ["2026-01-15", "2026-02-01", "2026-03-01"]
    assert answer["results"] == [row(["2026-02-01"], [1])]


def test_periods():
    today = date(2028, 2, 29)
    assert range_resolve("today", today=today, first_day=None) == (today, today)
    assert range_resolve("yesterday", today=today, first_day=None) == (date(2028, 2, 28),) * 2
    assert range_resolve("7d", today=today, first_day=None) == (date(2028, 2, 23), today)
    assert range_resolve("30d", today=today, first_day=None) == (date(2028, 1, 31), today)
    # 12m: the same date a year earlier is 28 February 2027; the day after it starts the range.
    assert range_resolve("12m", today=today, first_day=None) == (date(2027, 3, 1), today)
    assert range_resolve("ytd", today=today, first_day=None) == (date(2028, 1, 1), today)
    assert range_resolve("all", today=today, first_day=date(2025, 6, 1)) == (
        date(2025, 6, 1),
        today,
    )
    # A period in the site's local days: "7d" by day lists 7 labels ending today.
    labels = ask(
        [], today=date(2026, 3, 10), date_range="7d", metrics=["visits"], dimensions=["time:day"]
    )["meta"]["time_labels"]
    assert labels == [f"2026-03-{day:02d}" for day in range(4, 11)]


# --- compare -----------------------------------------------------------------------------------


def test_compare_previous_period():
    events = [
        # the range, 10-11 March: google.com 2 visits (bounces), direct 1
        event(utc(2026, 3, 10, 10), visitor="a", referrer_domain="google.com"),
        event(utc(2026, 3, 10, 11), visitor="b", referrer_domain="google.com"),
        event(utc(2026, 3, 11, 10), visitor="c"),
        # the previous period, 8-9 March: google.com 1 visit, bing.com 1 (not listed)
        event(utc(2026, 3, 8, 10), visitor="d", referrer_domain="google.com"),
        event(utc(2026, 3, 9, 10), visitor="e", referrer_domain="bing.com"),
    ]
    answer = ask(
        events,
        date_range=["2026-03-10", "2026-03-11"],
        metrics=["visits", "bounce_rate"],
        dimensions=["visit:source"],
        compare="previous_period",
    )
    # google.com: 2 vs 1 → +100.0 %; bounce 100.0 vs 100.0 → 0.0.
    # direct: 1 vs nothing (0, 0.0) → change null.
    assert answer["results"] == [
        row(["google.com"], [2, 100.0], {"metrics": [1, 100.0], "change": [100.0, 0.0]}),
        row([None], [1, 100.0], {"metrics": [0, 0.0], "change": [None, None]}),
    ]
    assert answer["meta"]["total_rows"] == 2

    by_day = ask(
        events,
        date_range=["2026-03-10", "2026-03-11"],
        metrics=["visits"],
        dimensions=["time:day"],
        compare="previous_period",
    )
    # The 10th faces the 8th (2 vs 1: +100.0), the 11th the 9th (1 vs 1: 0.0).
    assert by_day["results"] == [
        row(["2026-03-10"], [2], {"metrics": [1], "change": [100.0]}),
        row(["2026-03-11"], [1], {"metrics": [1], "change": [0.0]}),
    ]
    # The time labels are the range's only.
    assert by_day["meta"]["time_labels"] == ["2026-03-10", "2026-03-11"]


def test_compare_yoy_on_29_february():
    events = [
        event(utc(2027, 2, 28, 10), visitor="a"),
        event(utc(2027, 2, 28, 11), visitor="b"),
        event(utc(2027, 3, 1, 10), visitor="e"),  # outside the comparison range
        event(utc(2028, 2, 28, 10), visitor="c"),
        event(utc(2028, 2, 29, 10), visitor="d"),
    ]
    answer = ask(
        events,
        today=date(2028, 3, 1),
        date_range=["2028-02-28", "2028-02-29"],
        metrics=["visits"],
        dimensions=["time:day"],
        compare="yoy",
    )
    # The comparison range is 28 Feb 2027 → 28 Feb 2027: a single bucket. The 28th faces it
    # (1 vs 2: -50.0); the 29th faces no bucket (0: null).
    assert answer["results"] == [
        row(["2028-02-28"], [1], {"metrics": [2], "change": [-50.0]}),
        row(["2028-02-29"], [1], {"metrics": [0], "change": [None]}),
    ]


# --- order and pagination ----------------------------------------------------------------------


def countries() -> list[dict]:
    visits = {"DE": 3, "GB": 2, None: 1, "FR": 1, "US": 1}
    return [
        event(at(10), visitor=f"{country}{n}", country=country)
        for country, count in visits.items()
        for n in range(count)
    ]


def test_default_order_pagination_and_total_rows():
    everything = ask(countries(), metrics=["visits"], dimensions=["visit:country"])
    # visits desc, then country ascending with null first: DE 3, GB 2, null 1, FR 1, US 1.
    assert everything["results"] == [
        row(["DE"], [3]),
        row(["GB"], [2]),
        row([None], [1]),
        row(["FR"], [1]),
        row(["US"], [1]),
    ]
    page = ask(
        countries(),
        metrics=["visits"],
        dimensions=["visit:country"],
        pagination={"limit": 2, "offset": 1},
    )
    assert page == {
        "results": [row(["GB"], [2]), row([None], [1])],
        "meta": {"total_rows": 5, "time_labels": []},
    }


def test_explicit_order():
    def order(*order_by) -> list:
        answer = ask(
            countries(),
            metrics=["visits"],
            dimensions=["visit:country"],
            order_by=[list(item) for item in order_by],
        )
        return [result["dimensions"][0] for result in answer["results"]]

    # Descending on a dimension puts null last.
    assert order(("visit:country", "desc")) == ["US", "GB", "FR", "DE", None]
    assert order(("visit:country", "asc")) == [None, "DE", "FR", "GB", "US"]
    # Ascending visits, ties by country ascending, null first.
    assert order(("visits", "asc")) == [None, "FR", "US", "GB", "DE"]


def test_text_is_ordered_by_code_point():
    events = [
        event(at(10), "/b", visitor="a"),
        event(at(10), "/B", visitor="b"),
        event(at(10), "/é", visitor="c"),
        event(at(10), "/z", visitor="d"),
    ]
    answer = ask(events, metrics=["visits"], dimensions=["event:page"])
    # All 1 visit: by code point "/B" (0x42) < "/b" (0x62) < "/z" (0x7A) < "/é" (0xE9).
    assert [result["dimensions"][0] for result in answer["results"]] == ["/B", "/b", "/z", "/é"]


def test_time_is_ordered_chronologically_by_default():
    # Sydney falls back on 5 April 2026 at 03:00 AEDT (+11) → 02:00 AEST (+10): the two 02:00
    # labels are "…+11:00" then "…+10:00", the reverse of their text order.
    events = [
        event(utc(2026, 4, 4, 15, 30), visitor="a"),  # 02:30 +11:00
        event(utc(2026, 4, 4, 16, 30), visitor="b"),  # 02:30 +10:00
    ]
    answer = ask(
        events,
        tz="Australia/Sydney",
        today=date(2026, 4, 5),
        date_range="today",
        metrics=["visits"],
        dimensions=["time:hour"],
    )
    assert [result["dimensions"][0] for result in answer["results"]] == [
        "2026-04-05T02:00:00+11:00",
        "2026-04-05T02:00:00+10:00",
    ]
