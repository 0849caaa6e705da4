"""Realtime: the visitors, top pages and events of the last 30 minutes (never bots or excluded
traffic).

Without filters the window's raw events are read directly: no session is needed. With filters
the window's events are those of the sessions the filters keep, each session judged whole and
per visit (`stats.builder.sessions_kept`): its attributes are those of its first event and its
events those since it began, maybe before the window. The sessions are the engine's
(`stats.builder.sessions_source`) over the window's local days. Either way the same figures are
then counted over the window's events, so a filter that keeps every session changes nothing.
`reports.reference.report_realtime` is the unfiltered definition the tests compare this with.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg import sql

from aggregation.selectors import day_split
from analytics_site.calendar import local_date
from ingest.models import EventType
from stats.builder import Params, Statement, events_of_session, sessions_kept, sessions_source
from stats.dimensions import dimension_get
from stats.filters import Filter
from stats.metrics import METRICS
from stats.query import Query
from stats.runner import statement_fetch
from stats.time import DateRange
from websites.models import Website

REALTIME_WINDOW = timedelta(minutes=30)
REALTIME_TOP_PAGES = 10
PAGE_VIEW = EventType.PAGE_VIEW.value

# The figures over `recent`, the window's events (ip_hash, event_type, path).
FIGURES = sql.SQL(
    "SELECT 'visitors', NULL, NULL::smallint, count(DISTINCT ip_hash) FROM recent "
    "UNION ALL ("
    "SELECT 'page', path, NULL, count(DISTINCT ip_hash) FROM recent WHERE event_type = {page_view}"
    " GROUP BY path ORDER BY 4 DESC, path LIMIT {top}) "
    "UNION ALL SELECT 'type', NULL, event_type, count(*) FROM recent GROUP BY event_type"
)


@dataclass(frozen=True)
class RealtimeFigures:
    active_visitors: int  # distinct hashes
    top_pages: list[tuple[str, int]]  # (path, distinct hashes among its page views)
    events_by_type: list[tuple[str, int]]  # (type, events)


Window = tuple[datetime, datetime]  # (since, now): since < timestamp <= now


def _raw_recent(*, website: Website, window: Window, params: Params) -> sql.Composable:
    """The CTE `recent`: the window's counted events, read straight from the raw events."""
    since, now = (params.add(instant) for instant in window)
    return sql.SQL(
        "recent AS (SELECT ip_hash, event_type, path FROM ingest_event"
        " WHERE website_id = {website} AND timestamp > {since} AND timestamp <= {now}"
        " AND NOT is_bot AND NOT is_excluded)"
    ).format(website=params.add(website.pk), since=since, now=now)


def _kept_recent(
    *, website: Website, filters: tuple[Filter, ...], window: Window, params: Params
) -> sql.Composable:
    """The CTEs of the sessions of the window's local days, those with an event in the window
    that the filters keep, and their events in the window (`recent`)."""
    days = DateRange(*(local_date(instant, website.timezone) for instant in window))
    query = Query(
        website_id=website.pk,
        timezone=website.timezone,
        period=None,
        date_range=days,
        compare=None,
        comparison=None,
        metrics=(METRICS["visitors"],),
        dimensions=(),
        filters=filters,
        order_by=(("visitors", "desc"),),
        include_bots=False,
    )
    split = day_split(website=website, ranges=[(days.start, days.end)], sessions=True)
    since, now = (params.add(instant) for instant in window)
    return sql.SQL(
        "{sessions}, kept AS ("
        "SELECT * FROM sessions v WHERE v.ended_at > {since} AND v.started_at <= {now}"
        " AND {kept}), "
        "recent AS (SELECT v.ip_hash, e.event_type, e.path FROM kept v CROSS JOIN LATERAL {events}"
        " WHERE e.timestamp > {since} AND e.timestamp <= {now})"
    ).format(
        sessions=sessions_source(query=query, days=split, events=True, params=params).ctes,
        since=since,
        now=now,
        kept=sessions_kept(filters, params),
        events=events_of_session([dimension_get("event:page")], timestamps=True),
    )


def realtime_statement(
    *, website: Website, filters: tuple[Filter, ...], now: datetime
) -> Statement:
    """Rows of (kind, path, event type, count): one 'visitors', the top 'page's, each 'type'."""
    params = Params()
    window = (now - REALTIME_WINDOW, now)
    if filters:
        recent = _kept_recent(website=website, filters=filters, window=window, params=params)
    else:
        recent = _raw_recent(website=website, window=window, params=params)
    statement = sql.SQL("WITH {} {}").format(
        recent,
        FIGURES.format(page_view=sql.Literal(PAGE_VIEW), top=sql.Literal(REALTIME_TOP_PAGES)),
    )
    return Statement(statement, params.values, dimensions=())


def realtime_run(
    *, website: Website, filters: tuple[Filter, ...], now: datetime
) -> RealtimeFigures:
    """The figures of the 30 minutes up to `now`: most first, then by path or type."""
    active, pages, types = 0, [], []
    for kind, path, event_type, count in statement_fetch(
        realtime_statement(website=website, filters=filters, now=now)
    ):
        if kind == "visitors":
            active = count
        elif kind == "page":
            pages.append((path, count))
        else:
            types.append((EventType(event_type).label, count))
    pages.sort(key=lambda row: (-row[1], row[0]))
    types.sort(key=lambda row: (-row[1], row[0]))
    return RealtimeFigures(active_visitors=active, top_pages=pages, events_by_type=types)
