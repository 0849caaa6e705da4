"""An independent oracle of the query engine: /work/spec9.md as plain Python over event rows.

Deliberately naive (clarity over speed: it runs on a few hundred events) and sharing nothing with
production code: no import from `stats`, `reports`, `aggregation` or `ingest`; the label tables
below are copied by hand from the spec.

    oracle_query(events, timezone="Europe/Berlin", query={...}, today=date(...), first_day=None)

`events` are dicts with the columns of `ingest_event` (id, timestamp as an aware datetime,
event_type, event_name, path, referrer_domain, referrer_channel, utm_*, browser_family, os_family,
device_type, screen_bucket, country, ip_hash, content_group, is_bot, is_excluded, properties) of
one website. `query` is a valid request body. The answer is `{"results": [...], "meta":
{"total_rows": n, "time_labels": [...]}}` as the spec describes it (without its "query" key).

Choices where the spec leaves room (see also the docstrings below):
- The metrics "read" (which decides which rows exist): visit metrics and views_per_visit read the
  counted visits; `pageviews` and views_per_visit read page_view events only; `events` reads
  every event. So `pageviews` by `event:type` has a `page_view` row and no `scroll_25` row.
- Visit metrics grouped by event dimensions: a visit's qualifying events are those that match
  every top-level event leaf (each on its own value, any type), restricted to page_view events
  when an `event:page` or `event:content_group` dimension is requested.
- A time dimension sorts chronologically (by bucket), not by its label's text: hour labels of a
  fall-back (`…+11:00` then `…+10:00`) are not in text order.
- Hour labels of a range are found by sampling its instants every 15 minutes (every IANA offset
  in use is a multiple of 15 minutes).
"""

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cmp_to_key
from itertools import pairwise
from math import floor
from zoneinfo import ZoneInfo

EVENT_TYPES = {
    1: "page_view",
    2: "close_tab",
    3: "scroll_25",
    4: "scroll_50",
    5: "scroll_75",
    6: "outbound_link",
    7: "custom",
}
PAGE_VIEW = 1
CUSTOM = 7
CHANNELS = {
    1: "Direct",
    2: "Organic Search",
    3: "Paid Search",
    4: "Social",
    5: "Email",
    6: "Referral",
}
DEVICES = {1: "desktop", 2: "mobile", 3: "tablet", 4: "bot", 5: "other"}
SCREENS = {0: "unknown", 1: "320-375", 2: "376-768", 3: "769-1024", 4: "1025-1440", 5: "1441+"}

SESSION_GAP = timedelta(minutes=30)
PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90}

VISIT_METRICS = ("visitors", "visits", "bounce_rate", "visit_duration")
FLOAT_METRICS = ("bounce_rate", "views_per_visit")

# Event-level dimensions whose per-visit rule looks at page_view events only.
PAGE_VIEW_ONLY = ("event:page", "event:content_group")


# --- dates and times ---------------------------------------------------------------------------


def year_shift(day: date, years: int) -> date:
    """The same date `years` later or earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def range_resolve(date_range, *, today: date, first_day: date | None) -> tuple[date, date]:
    """(start, end), inclusive local dates."""
    if isinstance(date_range, list | tuple):
        return date.fromisoformat(date_range[0]), date.fromisoformat(date_range[1])
    if date_range == "today":
        return today, today
    if date_range == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if date_range in PERIOD_DAYS:
        return today - timedelta(days=PERIOD_DAYS[date_range] - 1), today
    if date_range == "12m":
        return year_shift(today, -1) + timedelta(days=1), today
    if date_range == "ytd":
        return date(today.year, 1, 1), today
    if date_range == "all":
        return min(first_day or today, today), today
    raise ValueError(f"unknown period {date_range!r}")


def comparison_range(compare: str, start: date, end: date) -> tuple[date, date]:
    if compare == "previous_period":
        days = (end - start).days + 1
        return start - timedelta(days=days), start - timedelta(days=1)
    if compare == "yoy":
        return year_shift(start, -1), year_shift(end, -1)
    raise ValueError(f"unknown compare {compare!r}")


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local date, in UTC.

    zoneinfo reads a wall time with fold=0 at the offset before a transition: a midnight inside a
    spring-forward gap lands on the first instant after the gap, a repeated midnight on its first
    occurrence. Both are the first instant whose local date is `day`.
    """
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def hour_start(instant: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of (local wall time truncated to the hour, at the instant's own offset)."""
    local = instant.astimezone(tz)
    past_the_hour = timedelta(
        minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    return (instant - past_the_hour).astimezone(UTC)


def hour_label(instant: datetime, tz: ZoneInfo) -> str:
    # From the UTC instant, astimezone picks the right offset (and fold) of a repeated hour.
    return hour_start(instant, tz).astimezone(tz).isoformat()


def day_bucket_label(dimension: str, day: date, range_start: date) -> str:
    """Label of the day/week/month bucket holding a local date: its first day inside the range."""
    if dimension == "time:day":
        return day.isoformat()
    if dimension == "time:week":
        monday = day - timedelta(days=day.weekday())
        return max(monday, range_start).isoformat()
    if dimension == "time:month":
        return max(day.replace(day=1), range_start).isoformat()
    raise ValueError(dimension)


def bucket_label(dimension: str, instant: datetime, tz: ZoneInfo, range_start: date) -> str:
    if dimension == "time:hour":
        return hour_label(instant, tz)
    return day_bucket_label(dimension, local_date(instant, tz), range_start)


def time_labels(dimension: str, tz: ZoneInfo, start: date, end: date) -> list[str]:
    """Every bucket label of the range, in order."""
    if dimension == "time:hour":
        samples = []
        instant = local_midnight(start, tz)
        stop = local_midnight(end + timedelta(days=1), tz)
        while instant < stop:
            samples.append(hour_label(instant, tz))
            instant += timedelta(minutes=15)
    else:
        samples = [day_bucket_label(dimension, day, start) for day in days_of(start, end)]
    return list(dict.fromkeys(samples))  # distinct, in order


# --- rounding ----------------------------------------------------------------------------------


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Exact rounding of a rational, ties away from zero (Decimal's ROUND_HALF_UP, PG round())."""
    scaled = abs(value) * 10**places
    rounded = floor(scaled + Fraction(1, 2))
    sign = -1 if value < 0 else 1
    return Decimal(sign * rounded).scaleb(-places)


def rate(numerator: int, denominator: int, factor: int = 1) -> float:
    """numerator / denominator * factor rounded half up to 2 decimals; 0.0 without denominator."""
    if denominator == 0:
        return 0.0
    return float(round_half_up(Fraction(numerator * factor, denominator), 2))


# --- sessions ----------------------------------------------------------------------------------


@dataclass
class Session:
    day: date
    ip_hash: str
    is_bot: bool
    events: list[dict]  # ordered by (timestamp, id)

    @property
    def first(self) -> dict:
        return self.events[0]

    @property
    def start(self) -> datetime:
        return self.events[0]["timestamp"]

    @property
    def page_views(self) -> list[dict]:
        return [event for event in self.events if event["event_type"] == PAGE_VIEW]

    @property
    def is_visit(self) -> bool:
        return len(self.page_views) > 0

    @property
    def is_bounce(self) -> bool:
        return len(self.page_views) == 1

    @property
    def duration_us(self) -> int:
        return (self.events[-1]["timestamp"] - self.events[0]["timestamp"]) // timedelta(
            microseconds=1
        )


def sessionize(events: list[dict], tz: ZoneInfo) -> list[Session]:
    """Counted events of one (local day, ip_hash, is_bot), split at gaps over 30 minutes."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for event in events:
        groups[(local_date(event["timestamp"], tz), event["ip_hash"], event["is_bot"])].append(
            event
        )
    sessions = []
    for (day, ip_hash, is_bot), group in groups.items():
        ordered = sorted(group, key=lambda event: (event["timestamp"], event["id"]))
        current = [ordered[0]]
        for previous, event in pairwise(ordered):
            if event["timestamp"] - previous["timestamp"] > SESSION_GAP:
                sessions.append(Session(day, ip_hash, is_bot, current))
                current = []
            current.append(event)
        sessions.append(Session(day, ip_hash, is_bot, current))
    return sessions


# --- dimension values --------------------------------------------------------------------------


def is_visit_dimension(dimension: str) -> bool:
    return dimension.startswith("visit:")


def is_event_dimension(dimension: str) -> bool:
    return dimension.startswith("event:")


def is_time_dimension(dimension: str) -> bool:
    return dimension.startswith("time:")


def visit_value(session: Session, dimension: str) -> str | None:
    first = session.first
    page_views = session.page_views
    if dimension == "visit:entry_page":
        return page_views[0]["path"] if page_views else None
    if dimension == "visit:exit_page":
        return page_views[-1]["path"] if page_views else None
    if dimension == "visit:entry_content_group":
        return page_views[0]["content_group"] if page_views else None
    if dimension == "visit:exit_content_group":
        return page_views[-1]["content_group"] if page_views else None
    if dimension == "visit:source":
        return first["referrer_domain"]
    if dimension == "visit:channel":
        return CHANNELS[first["referrer_channel"]]
    if dimension in (
        "visit:utm_source",
        "visit:utm_medium",
        "visit:utm_campaign",
        "visit:utm_term",
        "visit:utm_content",
    ):
        return first[dimension.removeprefix("visit:")]
    if dimension == "visit:device":
        return DEVICES[first["device_type"]]
    if dimension == "visit:browser":
        return first["browser_family"]
    if dimension == "visit:os":
        return first["os_family"]
    if dimension == "visit:screen":
        return SCREENS[first["screen_bucket"]]
    if dimension == "visit:country":
        return first["country"]
    raise ValueError(f"unknown visit dimension {dimension!r}")


def jsonb_text(value) -> str | None:
    """`properties ->> key` of one value, as PostgreSQL's jsonb writes it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        # jsonb keeps a number's written digits, which a parsed float has lost.
        raise TypeError("the oracle does not know how jsonb wrote a float")
    return jsonb_nested(value)


def jsonb_nested(value) -> str:
    """jsonb's text of an object or array: `{"a": 1, "bb": [true, null]}`, keys shortest first."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        items = (
            f"{json.dumps(key, ensure_ascii=False)}: {jsonb_nested(value[key])}" for key in keys
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(jsonb_nested(item) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return jsonb_text(value)


def event_value(event: dict, dimension: str) -> str | None:
    if dimension == "event:page":
        return event["path"]
    if dimension == "event:name":
        return event["event_name"] if event["event_type"] == CUSTOM else None
    if dimension == "event:type":
        return EVENT_TYPES[event["event_type"]]
    if dimension == "event:content_group":
        return event["content_group"]
    if dimension.startswith("event:props:"):
        key = dimension.removeprefix("event:props:")
        properties = event["properties"]
        if properties is None or key not in properties:
            return None
        return jsonb_text(properties[key])
    raise ValueError(f"unknown event dimension {dimension!r}")


# --- filters -----------------------------------------------------------------------------------


def is_leaf(item: list) -> bool:
    return item[0] not in ("and", "or", "not")


def value_matches(leaf: list, value: str | None) -> bool:
    """Whether one value (possibly None) satisfies a leaf `[op, dimension, values, options?]`."""
    op, _dimension, values = leaf[0], leaf[1], leaf[2]
    options = leaf[3] if len(leaf) > 3 else {}
    case_sensitive = options.get("case_sensitive", True)

    def fold(text: str) -> str:
        return text if case_sensitive else text.lower()

    if op in ("is", "is_not"):
        hit = False
        for wanted in values:
            if wanted is None or value is None:
                hit = hit or (wanted is None and value is None)
            else:
                hit = hit or fold(value) == fold(wanted)
    elif op in ("contains", "contains_not"):
        hit = value is not None and any(fold(wanted) in fold(value) for wanted in values)
    elif op in ("matches", "matches_not"):
        flags = 0 if case_sensitive else re.IGNORECASE
        hit = value is not None and any(re.search(pattern, value, flags) for pattern in values)
    else:
        raise ValueError(f"unknown operator {op!r}")
    return hit if op in ("is", "contains", "matches") else not hit


def event_leaf_holds_for_event(leaf: list, event: dict) -> bool:
    """An event leaf judged on one event's own value (any event type)."""
    return value_matches(leaf, event_value(event, leaf[1]))


def holds_for_session(item: list, session: Session) -> bool:
    """A filter decided per session: visit leaves on the session's attribute, event leaves when
    some event of the session matches (only page views for event:page / event:content_group)."""
    if item[0] == "and":
        return all(holds_for_session(child, session) for child in item[1])
    if item[0] == "or":
        return any(holds_for_session(child, session) for child in item[1])
    if item[0] == "not":
        return not holds_for_session(item[1], session)
    dimension = item[1]
    if is_visit_dimension(dimension):
        return value_matches(item, visit_value(session, dimension))
    if is_event_dimension(dimension):
        considered = session.page_views if dimension in PAGE_VIEW_ONLY else session.events
        return any(event_leaf_holds_for_event(item, event) for event in considered)
    raise ValueError(f"cannot filter on {dimension!r}")


# --- one table: the rows of one date range -----------------------------------------------------


@dataclass
class Row:
    visits: list[Session]
    events: list[dict]


def table(
    events: list[dict], *, tz: ZoneInfo, query: dict, start: date, end: date
) -> tuple[dict[tuple, list], list[str]]:
    """{dimension values: metric values} of one range, and its time labels."""
    metrics = query["metrics"]
    dimensions = query.get("dimensions") or []
    filters = query.get("filters") or []
    include_bots = query.get("include_bots", False)

    time_dimension = next((d for d in dimensions if is_time_dimension(d)), None)
    labels = time_labels(time_dimension, tz, start, end) if time_dimension else []
    event_dimensions = [d for d in dimensions if is_event_dimension(d)]
    page_view_rows = any(d in PAGE_VIEW_ONLY for d in event_dimensions)

    counted = [
        event
        for event in events
        if not event["is_excluded"] and (include_bots or not event["is_bot"])
    ]
    in_range = [event for event in counted if start <= local_date(event["timestamp"], tz) <= end]
    sessions = sessionize(in_range, tz)

    # Top-level items: visit leaves (V) and compound filters (C) keep sessions; event leaves (E)
    # select events, and visits that have some matching event.
    event_leaves = [f for f in filters if is_leaf(f) and is_event_dimension(f[1])]
    session_items = [f for f in filters if not (is_leaf(f) and is_event_dimension(f[1]))]
    kept = [s for s in sessions if all(holds_for_session(f, s) for f in session_items)]

    def passes_event_leaves(event: dict) -> bool:
        return all(event_leaf_holds_for_event(leaf, event) for leaf in event_leaves)

    def key(session: Session, event: dict | None, instant: datetime) -> tuple:
        values = []
        for dimension in dimensions:
            if is_visit_dimension(dimension):
                values.append(visit_value(session, dimension))
            elif is_event_dimension(dimension):
                values.append(event_value(event, dimension))
            else:
                values.append(bucket_label(dimension, instant, tz, start))
        return tuple(values)

    rows: dict[tuple, Row] = defaultdict(lambda: Row([], []))
    reads_visits = any(m in (*VISIT_METRICS, "views_per_visit") for m in metrics)
    reads_page_views = any(m in ("pageviews", "views_per_visit") for m in metrics)
    reads_events = "events" in metrics

    # Visit metrics: kept visits with, for every event leaf, some matching event (per session).
    for session in kept:
        if not session.is_visit:
            continue
        if not all(holds_for_session(leaf, session) for leaf in event_leaves):
            continue
        if event_dimensions:
            qualifying = [
                event
                for event in session.events
                if passes_event_leaves(event)
                and (event["event_type"] == PAGE_VIEW or not page_view_rows)
            ]
        else:
            qualifying = [None]  # the visit's own row, once
        keys = {key(session, event, session.start) for event in qualifying}
        for row_key in keys:
            rows[row_key].visits.append(session)

    # Event metrics: each event of a kept session (visit or not) passing every event leaf.
    for session in kept:
        for event in session.events:
            if passes_event_leaves(event):
                rows[key(session, event, event["timestamp"])].events.append(event)

    def exists(row: Row) -> bool:
        """Whether the row occurs in what the requested metrics read."""
        return (
            (reads_visits and row.visits)
            or (reads_page_views and any(e["event_type"] == PAGE_VIEW for e in row.events))
            or (reads_events and row.events)
        )

    result = {row_key: metric_values(row, metrics) for row_key, row in rows.items() if exists(row)}
    if not dimensions:
        result = {(): metric_values(rows.get((), Row([], [])), metrics)}
    return result, labels


def metric_values(row: Row, metrics: list[str]) -> list:
    visits = len(row.visits)
    pageviews = sum(1 for event in row.events if event["event_type"] == PAGE_VIEW)
    values = []
    for metric in metrics:
        if metric == "visitors":
            # Sum over local days of the distinct visitors: (hash, bot verdict) pairs, as sessions
            # are keyed (a verdict flipped within a day makes a second visitor).
            visitors = {(session.day, session.ip_hash, session.is_bot) for session in row.visits}
            values.append(len(visitors))
        elif metric == "visits":
            values.append(visits)
        elif metric == "bounce_rate":
            bounces = sum(1 for session in row.visits if session.is_bounce)
            values.append(rate(bounces, visits, 100))
        elif metric == "visit_duration":
            total_us = sum(session.duration_us for session in row.visits)
            mean = Fraction(total_us, visits * 1_000_000) if visits else Fraction(0)
            values.append(int(round_half_up(mean, 0)))
        elif metric == "pageviews":
            values.append(pageviews)
        elif metric == "events":
            values.append(len(row.events))
        elif metric == "views_per_visit":
            values.append(rate(pageviews, visits))
        else:
            raise ValueError(f"unknown metric {metric!r}")
    return values


def zero_values(metrics: list[str]) -> list:
    return [0.0 if metric in FLOAT_METRICS else 0 for metric in metrics]


def change(value, previous) -> float | None:
    """Percent change from the values as displayed, rounded half up to 2 decimals."""
    if previous == 0:
        return None
    now, before = Fraction(str(value)), Fraction(str(previous))
    return float(round_half_up((now - before) / before * 100, 2))


# --- the query ---------------------------------------------------------------------------------


def oracle_query(
    events: list[dict],
    *,
    timezone: str,
    query: dict,
    today: date,
    first_day: date | None = None,
) -> dict:
    tz = ZoneInfo(timezone)
    metrics = query["metrics"]
    dimensions = query.get("dimensions") or []
    start, end = range_resolve(query["date_range"], today=today, first_day=first_day)
    rows, labels = table(events, tz=tz, query=query, start=start, end=end)

    time_index = next((i for i, d in enumerate(dimensions) if is_time_dimension(d)), None)

    def bucket_position(row_key: tuple, row_labels: list[str]) -> int:
        return row_labels.index(row_key[time_index])

    def without_time(row_key: tuple) -> tuple:
        return tuple(value for i, value in enumerate(row_key) if i != time_index)

    results = [{"dimensions": list(row_key), "metrics": values} for row_key, values in rows.items()]

    compare = query.get("compare")
    if compare:
        previous_start, previous_end = comparison_range(compare, start, end)
        previous_rows, previous_labels = table(
            events, tz=tz, query=query, start=previous_start, end=previous_end
        )
        # The same row: the same non-time values, and the i-th bucket facing the i-th.
        facing = {}
        for row_key, values in previous_rows.items():
            position = None if time_index is None else bucket_position(row_key, previous_labels)
            facing[(without_time(row_key), position)] = values
        for result in results:
            row_key = tuple(result["dimensions"])
            position = None if time_index is None else bucket_position(row_key, labels)
            previous = facing.get((without_time(row_key), position), zero_values(metrics))
            result["comparison"] = {
                "metrics": previous,
                "change": [
                    change(value, before)
                    for value, before in zip(result["metrics"], previous, strict=True)
                ],
            }

    results.sort(key=cmp_to_key(row_comparator(query, labels)))
    pagination = query.get("pagination") or {}
    offset = pagination.get("offset", 0)
    limit = pagination.get("limit", 100)
    return {
        "results": results[offset : offset + limit],
        "meta": {"total_rows": len(results), "time_labels": labels},
    }


def row_comparator(query: dict, labels: list[str]):
    """order_by (default: time ascending, else the first metric descending), then every
    dimension ascending in query order; nulls first ascending (last descending), text by code
    point, time by its bucket's position."""
    metrics = query["metrics"]
    dimensions = query.get("dimensions") or []
    order = [tuple(item) for item in query.get("order_by") or []]
    if not order:
        time_dimension = next((d for d in dimensions if is_time_dimension(d)), None)
        order = [(time_dimension, "asc")] if time_dimension else [(metrics[0], "desc")]
    order += [(dimension, "asc") for dimension in dimensions]

    def sort_value(result: dict, name: str):
        if name in dimensions:
            value = result["dimensions"][dimensions.index(name)]
            return labels.index(value) if is_time_dimension(name) else value
        return result["metrics"][metrics.index(name)]

    def ascending(a, b) -> int:
        if a is None or b is None:
            return (a is not None) - (b is not None)  # None first
        return (a > b) - (a < b)

    def compare(left: dict, right: dict) -> int:
        for name, direction in order:
            outcome = ascending(sort_value(left, name), sort_value(right, name))
            if outcome:
                return outcome if direction == "asc" else -outcome
        return 0

    return compare
