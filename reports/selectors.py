"""The nine reports: the period reports read the daily rollups, funnel and realtime raw events.

Each period report reads one rollup-shaped `source` (`aggregation.selectors.rollup_source_sql`):
the stored rows of its aggregated days, and the same rows computed live from the raw events of
the others (today, stale days). It then aggregates `source` the way `reports.reference`
aggregates visits, so every number is the reference's whatever the mix of days; the tests in
`tests/aggregation` prove it. One query finds the aggregated days, one computes the report.

- summary: `aggregation_daytotal`;
- pages and flow: `aggregation_daypage`;
- sources: `aggregation_daysource`; devices: `aggregation_daydevice`;
- custom-events: `aggregation_daycustomevent`;
- timeseries: `aggregation_daytotal`; with a `path`, `aggregation_daypathvisits` (visits,
  bounce rate, duration, unique pageviews) or `aggregation_daypage` (pageviews, unique pageviews
  within a group, entries, exits). Day rows only: the other reports also read month rows.

Funnel (the order of events within a visit) and realtime (the last 30 minutes) have no rollup:
their runners in `stats` read the query engine's sessions (realtime without filters: the window's
raw events), with or without filters.

With `filters` (and timeseries with an `interval` other than `day`), the period reports are
answered by their presets of the query engine instead (`reports.presets`).
"""

from aggregation.selectors import DaySplit, day_split, rollup_source_args, rollup_source_sql
from ingest.models import Channel
from reports import presets
from reports.params import DateRange, ReportParams
from reports.reference import (
    MEAN_SECONDS_SQL,
    SOURCES_KEYS,
    SUMMARY_PERIODS,
    choice_labels,
    devices_payload,
    fetch_rows,
    paginated,
    report_rows,
    rows_as_dicts,
    summary_payload,
    summary_periods_args,
)
from stats.dimensions import dimension_get
from stats.filters import Leaf
from stats.metrics import METRICS
from stats.query import MAX_LIMIT, Query
from stats.realtime import REALTIME_WINDOW, realtime_run
from stats.runner import query_run
from websites.models import Website

__all__ = [
    "REALTIME_WINDOW",
    "SOURCES_KEYS",
    "report_custom_events",
    "report_devices",
    "report_filter_values",
    "report_flow",
    "report_funnel",
    "report_pages",
    "report_realtime",
    "report_sources",
    "report_summary",
    "report_timeseries",
]

TOTALS = "aggregation_daytotal"
PAGES = "aggregation_daypage"
PATH_VISITS = "aggregation_daypathvisits"
SOURCES = "aggregation_daysource"
DEVICES = "aggregation_daydevice"
CUSTOM_EVENTS = "aggregation_daycustomevent"


def _source(
    table: str,
    *,
    website: Website,
    params: ReportParams,
    ranges: list[DateRange] | None = None,
    months: bool = True,
) -> tuple[str, dict]:
    """The `WITH … source` of a rollup table over the report's days, and its arguments.

    `months=False` for reports that need every day apart (timeseries).
    """
    ranges = ranges or [params.period]
    split: DaySplit = day_split(
        website=website, ranges=[(days.start, days.end) for days in ranges], months=months
    )
    args = rollup_source_args(
        website=website,
        split=split,
        include_bots=params.include_bots,
        content_group=params.content_group,
    )
    args.update(limit=params.per_page, offset=params.offset)
    return rollup_source_sql(table, split=split), args


# --- Summary ---------------------------------------------------------------------------------

SUMMARY_SQL = f"""
SELECT p.is_current, sum(s.visits), sum(s.visitors), sum(s.pageviews), sum(s.bounces),
       sum(s.duration_sum)
FROM source s
JOIN {SUMMARY_PERIODS} ON s.day BETWEEN p.first_day AND p.last_day
GROUP BY p.is_current
"""


def report_summary(*, website: Website, params: ReportParams) -> dict:
    """Visits, visitors, pageviews, bounce rate and mean duration, and those of a comparison."""
    if params.filters:
        return presets.preset_summary(website=website, params=params)
    ranges = [params.period] + ([params.comparison] if params.comparison else [])
    sql, args = _source(TOTALS, website=website, params=params, ranges=ranges)
    args.update(summary_periods_args(params))
    return summary_payload(params, fetch_rows(sql + SUMMARY_SQL, args))


# --- Pages -----------------------------------------------------------------------------------

PAGES_SQL = """
SELECT path, content_group, sum(pageviews)::bigint AS pageviews,
       sum(unique_pageviews)::bigint AS unique_pageviews
FROM source
GROUP BY path, content_group
ORDER BY pageviews DESC, path, content_group NULLS FIRST
LIMIT %(limit)s OFFSET %(offset)s
"""


def report_pages(*, website: Website, params: ReportParams) -> dict:
    """Page views and unique page views (visits that viewed the page) per path."""
    if params.filters:
        return presets.preset_pages(website=website, params=params)
    sql, args = _source(PAGES, website=website, params=params)
    keys = ("path", "contentGroup", "pageviews", "uniquePageviews")
    return paginated(params, report_rows(sql + PAGES_SQL, args, keys, params=params))


# --- Sources ---------------------------------------------------------------------------------

SOURCES_SQL = {
    "channel": """
SELECT label.name AS channel, sum(s.visits)::bigint AS visits
FROM source s
JOIN unnest(%(codes)s::smallint[], %(names)s::text[]) AS label(code, name)
  ON label.code = s.channel
GROUP BY label.name
ORDER BY visits DESC, channel
LIMIT %(limit)s OFFSET %(offset)s
""",
    "domain": """
SELECT s.referrer_domain AS referrer, sum(s.visits)::bigint AS visits
FROM source s
WHERE s.referrer_domain IS NOT NULL
GROUP BY s.referrer_domain
ORDER BY visits DESC, referrer
LIMIT %(limit)s OFFSET %(offset)s
""",
    "utm": """
SELECT s.utm_source, s.utm_medium, s.utm_campaign, sum(s.visits)::bigint AS visits
FROM source s
WHERE num_nonnulls(s.utm_source, s.utm_medium, s.utm_campaign) > 0
GROUP BY s.utm_source, s.utm_medium, s.utm_campaign
ORDER BY visits DESC, s.utm_source NULLS FIRST, s.utm_medium NULLS FIRST,
         s.utm_campaign NULLS FIRST
LIMIT %(limit)s OFFSET %(offset)s
""",
}


def report_sources(*, website: Website, params: ReportParams) -> dict:
    """Visits by the channel, referrer domain or UTM triple of their first event."""
    if params.filters:
        return presets.preset_sources(website=website, params=params)
    group_by = params.extra.get("group_by", "channel")
    sql, args = _source(SOURCES, website=website, params=params)
    args["codes"], args["names"] = choice_labels(Channel)
    rows = report_rows(sql + SOURCES_SQL[group_by], args, SOURCES_KEYS[group_by], params=params)
    return paginated(params, rows)


# --- Devices ---------------------------------------------------------------------------------

DEVICES_SQL = """
SELECT GROUPING(s.device_type) = 0 AS by_device,
       GROUPING(s.browser_family) = 0 AS by_browser,
       GROUPING(s.os_family) = 0 AS by_os,
       s.device_type, s.browser_family, s.os_family, s.screen_bucket,
       sum(s.visits)::bigint AS visits
FROM source s
GROUP BY GROUPING SETS ((s.device_type), (s.browser_family), (s.os_family), (s.screen_bucket))
"""


def report_devices(*, website: Website, params: ReportParams) -> dict:
    """Visits by the device type, browser, OS and screen bucket of their first event."""
    if params.filters:
        return presets.preset_devices(website=website, params=params)
    sql, args = _source(DEVICES, website=website, params=params)
    return devices_payload(params, fetch_rows(sql + DEVICES_SQL, args))


# --- Flow ------------------------------------------------------------------------------------

# Each path's entries and exits summed once, then each list ranked.
FLOW_SQL = """
SELECT kind, path, visits
FROM (
    SELECT page.kind, page.path, page.visits,
           row_number() OVER (PARTITION BY page.kind ORDER BY page.visits DESC, page.path)
               AS position
    FROM (
        SELECT path, sum(entries)::bigint AS entries, sum(exits)::bigint AS exits
        FROM source
        GROUP BY path
    ) AS paths
    CROSS JOIN LATERAL (
        VALUES ('landing', paths.path, paths.entries), ('exit', paths.path, paths.exits)
    ) AS page(kind, path, visits)
    WHERE page.visits > 0 AND page.kind = ANY(%(kinds)s)
) AS ranked
WHERE position > %(offset)s AND (%(limit)s::int IS NULL OR position <= %(offset)s + %(limit)s)
ORDER BY kind, position
"""


def report_flow(*, website: Website, params: ReportParams) -> dict:
    """Visits by landing page (first page view) and exit page (last), both paginated."""
    if params.filters:
        return presets.preset_flow(website=website, params=params)
    sql, args = _source(PAGES, website=website, params=params)
    sql += FLOW_SQL
    payload: dict = {"period": params.period.as_dict()}
    if params.per_page is None:
        # Every row, lazily: each list runs its own query only when it is read.
        landing = fetch_rows(sql, {**args, "kinds": ["landing"]}, stream=True)
        exits = fetch_rows(sql, {**args, "kinds": ["exit"]}, stream=True)
        payload["landing_pages"] = rows_as_dicts(landing, (None, "path", "entries"))
        payload["exit_pages"] = rows_as_dicts(exits, (None, "path", "exits"))
        return payload
    payload["page"], payload["per_page"] = params.page, params.per_page
    rows = fetch_rows(sql, {**args, "kinds": ["landing", "exit"]})
    payload["landing_pages"] = [{"path": p, "entries": n} for k, p, n in rows if k == "landing"]
    payload["exit_pages"] = [{"path": p, "exits": n} for k, p, n in rows if k == "exit"]
    return payload


# --- Custom events ---------------------------------------------------------------------------

CUSTOM_EVENTS_SQL = """
SELECT event_name AS name, sum(events)::bigint AS count
FROM source
WHERE %(event_name)s::text IS NULL OR event_name = %(event_name)s
GROUP BY event_name
ORDER BY count DESC, name
LIMIT %(limit)s OFFSET %(offset)s
"""


def report_custom_events(*, website: Website, params: ReportParams) -> dict:
    """Custom events by name; with a content group, those of matching visits only."""
    if params.filters:
        return presets.preset_custom_events(website=website, params=params)
    sql, args = _source(CUSTOM_EVENTS, website=website, params=params)
    args["event_name"] = params.extra.get("event_name")
    rows = report_rows(sql + CUSTOM_EVENTS_SQL, args, ("name", "count"), params=params)
    return paginated(params, rows)


# --- Funnel and realtime ---------------------------------------------------------------------


def report_funnel(*, website: Website, params: ReportParams) -> dict:
    """Visits reaching each step, in order, and each step's conversion from the step before."""
    return presets.preset_funnel(website=website, params=params)


def report_realtime(*, website: Website, params: ReportParams) -> dict:
    """Visitors, top pages and events by type of the last 30 minutes, of the visits the filters
    keep (never bots or excluded traffic; no other parameter applies)."""
    figures = realtime_run(website=website, filters=params.filters, now=params.now)
    return {
        "active_visitors": figures.active_visitors,
        "top_pages": [{"path": path, "visitors": n} for path, n in figures.top_pages],
        "events_by_type": [{"eventType": kind, "count": n} for kind, n in figures.events_by_type],
    }


# --- Timeseries ------------------------------------------------------------------------------

BOUNCE_RATE_SQL = "round(100.0 * sum(bounces) / sum(visits), 2)"
MEAN_DURATION_SQL = MEAN_SECONDS_SQL.format(total="sum(duration_sum)", count="sum(visits)")

# metric -> (table, value of a day) site-wide, and for one path.
TIMESERIES_SITE = {
    "visits": (TOTALS, "sum(visits)"),
    "pageviews": (TOTALS, "sum(pageviews)"),
    "unique_pageviews": (TOTALS, "sum(unique_pageviews)"),
    "bounce_rate": (TOTALS, BOUNCE_RATE_SQL),
    "avg_session_duration": (TOTALS, MEAN_DURATION_SQL),
    "landing_page_entries": (TOTALS, "sum(entries)"),
    "exit_page_exits": (TOTALS, "sum(exits)"),
}
TIMESERIES_PATH = {
    "visits": (PATH_VISITS, "sum(visits)"),
    "pageviews": (PAGES, "sum(pageviews)"),
    # Visits that viewed the path; with a group, those that viewed it in the group.
    "unique_pageviews": (PATH_VISITS, "sum(visits)"),
    "bounce_rate": (PATH_VISITS, BOUNCE_RATE_SQL),
    "avg_session_duration": (PATH_VISITS, MEAN_DURATION_SQL),
    "landing_page_entries": (PAGES, "sum(entries)"),
    "exit_page_exits": (PAGES, "sum(exits)"),
}
GROUP_UNIQUE_PAGEVIEWS = (PAGES, "sum(unique_pageviews)")

# The md5 condition lets the rollup rows of one path be found through their index.
PATH_CONDITION = "path = %(path)s AND md5(path)::uuid = md5(%(path)s)::uuid"

TIMESERIES_SQL = """
SELECT days.day::date, coalesce(daily.value, 0)
FROM generate_series(%(first_day)s::date, %(last_day)s::date, interval '1 day') AS days(day)
LEFT JOIN (
    SELECT day, {value} FROM source WHERE {condition} GROUP BY day
) AS daily(day, value) ON daily.day = days.day::date
ORDER BY days.day
"""


def report_timeseries(*, website: Website, params: ReportParams) -> dict:
    """One value of the chosen metric for every day of the period, 0 on days without data."""
    if params.filters or params.extra.get("interval", "day") != "day":
        return presets.preset_timeseries(website=website, params=params)
    metric = params.extra.get("metric", "pageviews")
    path = params.extra.get("path")
    if path is None:
        table, value = TIMESERIES_SITE[metric]
    elif metric == "unique_pageviews" and params.content_group is not None:
        table, value = GROUP_UNIQUE_PAGEVIEWS
    else:
        table, value = TIMESERIES_PATH[metric]
    sql, args = _source(table, website=website, params=params, months=False)
    args.update(path=path, first_day=params.period.start, last_day=params.period.end)
    condition = "true" if path is None else PATH_CONDITION
    sql += TIMESERIES_SQL.replace("{value}", value).replace("{condition}", condition)
    convert = float if metric == "bounce_rate" else int
    series = [
        {"date": day.isoformat(), "value": convert(value)} for day, value in fetch_rows(sql, args)
    ]
    return {
        "period": params.period.as_dict(),
        "metric": metric,
        "path": path or "*",
        "series": series,
    }


# --- Filter values ---------------------------------------------------------------------------


def report_filter_values(*, website: Website, params: ReportParams) -> dict:
    """The values of one dimension in the period, most visitors first (for filter drop-downs);
    `search` keeps those containing it, whatever the case. Answered by the query engine."""
    dimension = dimension_get(params.extra["dimension"])
    search = params.extra.get("search")
    query = Query(
        website_id=website.pk,
        timezone=website.timezone,
        period=None,
        date_range=params.period,
        compare=None,
        comparison=None,
        metrics=(METRICS["visitors"],),
        dimensions=(dimension,),
        filters=(Leaf("contains", dimension, (search,), case_sensitive=False),) if search else (),
        order_by=(("visitors", "desc"),),
        limit=params.per_page or MAX_LIMIT,
        offset=params.offset,
        include_bots=params.include_bots,
    )
    data = query_run(website=website, query=query, paginate=params.per_page is not None)
    rows = [
        {"value": result["dimensions"][0], "visitors": result["metrics"][0]}
        for result in data["results"]
    ]
    return {
        "period": params.period.as_dict(),
        "dimension": dimension.name,
        "total": data["meta"]["total_rows"],
        **paginated(params, rows),
    }
