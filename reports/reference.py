"""The nine reports computed in SQL over the raw events (`ingest_event`): the reference.

These queries define every figure. In production they serve the funnel and realtime reports,
which need raw events; the seven period reports are served by `reports.selectors` from the daily
rollups of the `aggregation` app, and `tests/aggregation` proves that both give the same JSON.

Every period report starts from the same common table expressions, so they all agree on what a
visit is:

- `events`: the website's counted events in the period's days (never excluded traffic; bots
  only with `include_bots`), with their `day`: the date in the website's time zone.
- `sessioned`: each event numbered within its visitor's day (`seq`) and given its `session_no`: a
  visitor's events are ordered by time (then id) and a new session starts wherever the gap to the
  previous event exceeds 30 minutes (`lag()` and a running count of starts over one window).
  Sessions are partitioned by (day, ip_hash, is_bot), so none crosses the website's midnight
  (the visitor hash changes there anyway: its daily salt is the local date's) and none mixes bot
  and human events (one hash covers one User-Agent, which decides the verdict; should a bot list
  update flip it within a day, the two halves stay apart). Daily rollups split by `is_bot` can
  then reproduce every figure.
- `visits`: one row per session holding at least one counted `page_view` (with `content_group`,
  one in that group), with the attributes of its first event, its landing and exit pages, its
  page view count and its duration.

PostgreSQL inlines a CTE used once and drops the columns a query does not read, so each report
pays only for what it selects. Each report is one function, `report_<name>(*, website, params)`,
returning the JSON payload of the spec; these queries are the reference the rollups of the
aggregation issue are checked against. User input only ever travels as query parameters; the few
SQL fragments chosen per request come from constants in this module.
"""

from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal

from django.db import connection

from analytics_site.calendar import local_days_instants
from ingest.models import Channel, DeviceType, EventType, ScreenBucket
from reports.params import DateRange, ReportParams
from stats.metrics import change_pct, round_2
from websites.models import Website

SESSION_GAP = timedelta(minutes=30)
REALTIME_WINDOW = timedelta(minutes=30)
REALTIME_TOP_PAGES = 10
STREAM_CHUNK = 2000

PAGE_VIEW = EventType.PAGE_VIEW.value
CUSTOM = EventType.CUSTOM.value

# --- The shared CTEs -------------------------------------------------------------------------

EVENTS_CTE = """
events AS (
    SELECT e.id, e.timestamp AS ts, (e.timestamp AT TIME ZONE %(time_zone)s)::date AS day,
           e.ip_hash, e.is_bot, e.event_type, e.event_name, e.path, e.content_group,
           e.referrer_channel, e.referrer_domain, e.utm_source, e.utm_medium, e.utm_campaign,
           e.device_type, e.browser_family, e.os_family, e.screen_bucket
    FROM ingest_event e
    WHERE e.website_id = %(website_id)s
      AND ({ranges})
      AND NOT e.is_excluded
      AND (%(include_bots)s OR NOT e.is_bot)
)"""

SESSIONED_CTE = """
marked AS (
    SELECT events.*,
           row_number() OVER visitor_day AS seq,
           coalesce(ts - lag(ts) OVER visitor_day > %(session_gap)s, true) AS is_start
    FROM events
    WINDOW visitor_day AS (PARTITION BY day, ip_hash, is_bot ORDER BY ts, id)
),
sessioned AS (
    SELECT marked.*,
           count(*) FILTER (WHERE is_start) OVER (
               PARTITION BY day, ip_hash, is_bot ORDER BY ts, id ROWS UNBOUNDED PRECEDING
           ) AS session_no,
           -- A page view counted by page-level metrics (all of them, or those in the group).
           (event_type = %(page_view)s
            AND (%(content_group)s::text IS NULL OR content_group = %(content_group)s))
               AS counted_view
    FROM marked
)"""

VISITS_CTE_TEMPLATE = """
visits AS (
    SELECT session.*,
           page_paths[1] AS landing_path,
           page_paths[cardinality(page_paths)] AS exit_path,
           (%(content_group)s::text IS NULL OR page_groups[1] = %(content_group)s)
               AS landing_counted,
           (%(content_group)s::text IS NULL
            OR page_groups[cardinality(page_groups)] = %(content_group)s) AS exit_counted
    FROM (
        SELECT day, ip_hash, is_bot, session_no,
               min(ts) AS started,
               extract(epoch FROM max(ts) - min(ts)) AS duration,
               count(*) FILTER (WHERE event_type = %(page_view)s) AS pageviews,
               count(*) FILTER (WHERE counted_view) AS counted_pageviews,
               min(referrer_channel) FILTER (WHERE is_start) AS channel,
               min(referrer_domain) FILTER (WHERE is_start) AS referrer_domain,
               min(utm_source) FILTER (WHERE is_start) AS utm_source,
               min(utm_medium) FILTER (WHERE is_start) AS utm_medium,
               min(utm_campaign) FILTER (WHERE is_start) AS utm_campaign,
               min(device_type) FILTER (WHERE is_start) AS device_type,
               min(browser_family) FILTER (WHERE is_start) AS browser_family,
               min(os_family) FILTER (WHERE is_start) AS os_family,
               min(screen_bucket) FILTER (WHERE is_start) AS screen_bucket,
               -- The visit's page views in time order: the first is its landing page, the last
               -- its exit page.
               array_agg(path ORDER BY seq) FILTER (WHERE event_type = %(page_view)s)
                   AS page_paths,
               array_agg(content_group ORDER BY seq) FILTER (WHERE event_type = %(page_view)s)
                   AS page_groups,
               (%(path)s::text IS NULL
                OR bool_or(event_type = %(page_view)s AND path = %(path)s)) AS viewed_path
               {more_aggregates}
        FROM sessioned
        GROUP BY day, ip_hash, is_bot, session_no
        -- A visit holds a page view (with a content group: a page view in that group).
        HAVING count(*) FILTER (WHERE counted_view) > 0
    ) AS session
)"""


def visits_cte(*, more_aggregates: Iterable[str] = ()) -> str:
    """The shared `visits` CTE; a report may add aggregates over each visit's events."""
    return VISITS_CTE_TEMPLATE.replace(
        "{more_aggregates}", "".join(f",\n               {sql}" for sql in more_aggregates)
    )


VISITS_CTE = visits_cte()


def _base_args(*, website: Website, params: ReportParams, ranges: list[DateRange]) -> dict:
    args = {
        "website_id": website.pk,
        "time_zone": params.time_zone,
        "include_bots": params.include_bots,
        "content_group": params.content_group,
        "path": None,
        "session_gap": SESSION_GAP,
        "page_view": PAGE_VIEW,
        "custom": CUSTOM,
        "limit": params.per_page,
        "offset": params.offset,
    }
    for index, days in enumerate(ranges):
        args[f"from_{index}"], args[f"to_{index}"] = local_days_instants(
            days.start, days.end, params.time_zone
        )
    return args


def _with(*ctes: str, ranges: int = 1) -> str:
    """`WITH` and the named shared CTEs, the events read over `ranges` date ranges."""
    condition = " OR ".join(
        f"(e.timestamp >= %(from_{index})s AND e.timestamp < %(to_{index})s)"
        for index in range(ranges)
    )
    return "WITH" + ",".join(cte.replace("{ranges}", condition) for cte in ctes)


VISIT_CTES = (EVENTS_CTE, SESSIONED_CTE, VISITS_CTE)


def fetch_rows(sql: str, args: dict, *, stream: bool = False) -> list[tuple] | Iterator[tuple]:
    if stream:
        return _stream(sql, args)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _stream(sql: str, args: dict) -> Iterator[tuple]:
    """Rows fetched lazily, in chunks, through a server-side cursor (CSV exports)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, args)
        while chunk := cursor.fetchmany(STREAM_CHUNK):
            yield from chunk


def rows_as_dicts(rows: Iterable[tuple], keys: tuple[str | None, ...]) -> Iterator[dict]:
    """Rows as dicts (a `None` key drops its column); closes a lazy source when closed."""
    try:
        for row in rows:
            yield {key: value for key, value in zip(keys, row, strict=True) if key is not None}
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def report_rows(sql: str, args: dict, keys: tuple[str, ...], *, params: ReportParams):
    """A page of rows as dicts, or every row lazily when the report is not paginated (CSV)."""
    if params.per_page is None:
        return rows_as_dicts(fetch_rows(sql, args, stream=True), keys)
    return list(rows_as_dicts(fetch_rows(sql, args), keys))


def paginated(params: ReportParams, rows) -> dict:
    return {
        "period": params.period.as_dict(),
        "page": params.page,
        "per_page": params.per_page,
        "rows": rows,
    }


def choice_labels(choices) -> tuple[list[int], list[str]]:
    return [int(value) for value in choices.values], [str(label) for label in choices.labels]


def rate(numerator: int | Decimal, denominator: int | Decimal) -> float:
    """100 * numerator / denominator, rounded half up to 2 decimals; 0 without a denominator."""
    if not denominator:
        return 0.0
    return round_2(Decimal(numerator) * 100 / Decimal(denominator))


def mean_seconds(total: Decimal | int | None, count: int) -> int:
    """total / count rounded half up to whole seconds, exactly (0 without a count).

    `total` is a sum of durations in seconds with microseconds (a numeric); integer division of
    (2 total + count) by 2 count is exact where a division to some digits could round a mean just
    below .5 up.
    """
    if not count:
        return 0
    return int((2 * Decimal(total or 0) + count) // (2 * count))


# The same in SQL, over a day's sum of durations and count of visits (both never negative).
MEAN_SECONDS_SQL = "div(2 * {total} + {count}, 2 * {count})"


# --- Summary ---------------------------------------------------------------------------------

# A day in both the period and the comparison (yoy over more than a year) counts in both.
SUMMARY_PERIODS = """(
    VALUES (true, %(current_start)s::date, %(current_end)s::date),
           (false, %(previous_start)s::date, %(previous_end)s::date)
) AS p(is_current, first_day, last_day)"""

SUMMARY_SQL = f"""
SELECT p.is_current,
       count(*) AS visits,
       count(DISTINCT (v.day, v.ip_hash, v.is_bot)) AS unique_visitors,
       sum(v.counted_pageviews) AS pageviews,
       count(*) FILTER (WHERE v.pageviews = 1) AS bounces,
       sum(v.duration) AS duration
FROM visits v
JOIN {SUMMARY_PERIODS} ON v.day BETWEEN p.first_day AND p.last_day
GROUP BY p.is_current
"""

SUMMARY_METRICS = (
    "visits",
    "unique_visitors",
    "pageviews",
    "bounce_rate",
    "avg_session_duration_sec",
)


def summary_periods_args(params: ReportParams) -> dict:
    previous = params.comparison
    return {
        "current_start": params.period.start,
        "current_end": params.period.end,
        "previous_start": previous.start if previous else None,
        "previous_end": previous.end if previous else None,
    }


def report_summary(*, website: Website, params: ReportParams) -> dict:
    ranges = [params.period] + ([params.comparison] if params.comparison else [])
    args = _base_args(website=website, params=params, ranges=ranges)
    args.update(summary_periods_args(params))
    sql = _with(*VISIT_CTES, ranges=len(ranges)) + SUMMARY_SQL
    return summary_payload(params, fetch_rows(sql, args))


def summary_payload(params: ReportParams, rows: Iterable[tuple]) -> dict:
    """The payload from rows of (is_current, visits, visitors, pageviews, bounces, duration)."""
    figures = {True: _summary_figures(None), False: _summary_figures(None)}
    for row in rows:
        figures[row[0]] = _summary_figures(row[1:])
    payload: dict = {"period": params.period.as_dict()}
    if params.comparison is None:
        payload["metrics"] = {name: {"value": figures[True][name]} for name in SUMMARY_METRICS}
        return payload
    payload["comparison"] = params.comparison.label()
    payload["metrics"] = {
        name: {
            "value": figures[True][name],
            "previous": figures[False][name],
            "change_pct": change_pct(figures[True][name], figures[False][name]),
        }
        for name in SUMMARY_METRICS
    }
    return payload


def _summary_figures(row: tuple | None) -> dict:
    visits, visitors, pageviews, bounces, duration = row or (0, 0, 0, 0, None)
    return {
        "visits": int(visits),
        "unique_visitors": int(visitors),
        "pageviews": int(pageviews or 0),
        "bounce_rate": rate(bounces, visits),
        "avg_session_duration_sec": mean_seconds(duration, int(visits)),
    }


# --- Pages -----------------------------------------------------------------------------------

PAGES_SQL = """
SELECT path, content_group, sum(views)::bigint AS pageviews, count(*) AS unique_pageviews
FROM (
    SELECT path, content_group, day, ip_hash, is_bot, session_no, count(*) AS views
    FROM sessioned
    WHERE counted_view
    GROUP BY path, content_group, day, ip_hash, is_bot, session_no
) AS visit_pages
GROUP BY path, content_group
ORDER BY pageviews DESC, path, content_group NULLS FIRST
LIMIT %(limit)s OFFSET %(offset)s
"""


def report_pages(*, website: Website, params: ReportParams) -> dict:
    """Page views and unique page views (visits that viewed the page) per path."""
    args = _base_args(website=website, params=params, ranges=[params.period])
    sql = _with(EVENTS_CTE, SESSIONED_CTE) + PAGES_SQL
    keys = ("path", "contentGroup", "pageviews", "uniquePageviews")
    return paginated(params, report_rows(sql, args, keys, params=params))


# --- Sources ---------------------------------------------------------------------------------

SOURCES_SQL = {
    "channel": """
SELECT label.name AS channel, count(*) AS visits
FROM visits v
JOIN unnest(%(codes)s::smallint[], %(names)s::text[]) AS label(code, name)
  ON label.code = v.channel
GROUP BY label.name
ORDER BY visits DESC, channel
LIMIT %(limit)s OFFSET %(offset)s
""",
    "domain": """
SELECT v.referrer_domain AS referrer, count(*) AS visits
FROM visits v
WHERE v.referrer_domain IS NOT NULL
GROUP BY v.referrer_domain
ORDER BY visits DESC, referrer
LIMIT %(limit)s OFFSET %(offset)s
""",
    "utm": """
SELECT v.utm_source, v.utm_medium, v.utm_campaign, count(*) AS visits
FROM visits v
WHERE num_nonnulls(v.utm_source, v.utm_medium, v.utm_campaign) > 0
GROUP BY v.utm_source, v.utm_medium, v.utm_campaign
ORDER BY visits DESC, v.utm_source NULLS FIRST, v.utm_medium NULLS FIRST,
         v.utm_campaign NULLS FIRST
LIMIT %(limit)s OFFSET %(offset)s
""",
}

SOURCES_KEYS = {
    "channel": ("channel", "visits"),
    "domain": ("referrer", "visits"),
    "utm": ("utmSource", "utmMedium", "utmCampaign", "visits"),
}


def report_sources(*, website: Website, params: ReportParams) -> dict:
    """Visits by the channel, referrer domain or UTM triple of their first event."""
    group_by = params.extra.get("group_by", "channel")
    args = _base_args(website=website, params=params, ranges=[params.period])
    args["codes"], args["names"] = choice_labels(Channel)
    sql = _with(*VISIT_CTES) + SOURCES_SQL[group_by]
    return paginated(params, report_rows(sql, args, SOURCES_KEYS[group_by], params=params))


# --- Devices ---------------------------------------------------------------------------------

DEVICES_SQL = """
SELECT GROUPING(v.device_type) = 0 AS by_device,
       GROUPING(v.browser_family) = 0 AS by_browser,
       GROUPING(v.os_family) = 0 AS by_os,
       v.device_type, v.browser_family, v.os_family, v.screen_bucket, count(*) AS visits
FROM visits v
GROUP BY GROUPING SETS ((v.device_type), (v.browser_family), (v.os_family), (v.screen_bucket))
"""


def report_devices(*, website: Website, params: ReportParams) -> dict:
    """Visits by the device type, browser, OS and screen bucket of their first event."""
    args = _base_args(website=website, params=params, ranges=[params.period])
    return devices_payload(params, fetch_rows(_with(*VISIT_CTES) + DEVICES_SQL, args))


def devices_payload(params: ReportParams, rows: Iterable[tuple]) -> dict:
    """The devices JSON from the rows of a GROUPING SETS query (device, browser, OS, screen)."""
    lists: dict[str, list[tuple[str, int]]] = {
        "device_types": [],
        "browsers": [],
        "os_families": [],
        "screen_resolutions": [],
    }
    for by_device, by_browser, by_os, device, browser, os, screen, visits in rows:
        if by_device:
            lists["device_types"].append((DeviceType(device).label, visits))
        elif by_browser:
            lists["browsers"].append((browser, visits))
        elif by_os:
            lists["os_families"].append((os, visits))
        else:
            lists["screen_resolutions"].append((ScreenBucket(screen).label, visits))
    keys = {
        "device_types": "deviceType",
        "browsers": "browserFamily",
        "os_families": "osFamily",
        "screen_resolutions": "bucket",
    }
    payload: dict = {"period": params.period.as_dict()}
    for name, rows_of_list in lists.items():
        rows_of_list.sort(key=lambda row: (-row[1], row[0]))
        payload[name] = [{keys[name]: label, "visits": visits} for label, visits in rows_of_list]
    return payload


# --- Flow ------------------------------------------------------------------------------------

FLOW_SQL = """
SELECT kind, path, visits
FROM (
    SELECT kind, path, count(*) AS visits,
           row_number() OVER (PARTITION BY kind ORDER BY count(*) DESC, path) AS position
    FROM visits v
    CROSS JOIN LATERAL (
        VALUES ('landing', v.landing_path, v.landing_counted),
               ('exit', v.exit_path, v.exit_counted)
    ) AS page(kind, path, counted)
    WHERE page.counted AND page.kind = ANY(%(kinds)s)
    GROUP BY kind, path
) AS ranked
WHERE position > %(offset)s AND (%(limit)s::int IS NULL OR position <= %(offset)s + %(limit)s)
ORDER BY kind, position
"""


def report_flow(*, website: Website, params: ReportParams) -> dict:
    """Visits by landing page (first page view) and exit page (last), both paginated."""
    args = _base_args(website=website, params=params, ranges=[params.period])
    sql = _with(*VISIT_CTES) + FLOW_SQL
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


# --- Funnel ----------------------------------------------------------------------------------

# The funnel adds to each visit the first event matching step 1 and the positions of the events
# matching each later step.
FUNNEL_SQL = """
SELECT {counts}
FROM visits AS f
{laterals}
"""
# An event matches a step when it is a page view of that path, an event of that type or a custom
# event of that name.
FUNNEL_MATCH = (
    "(event_type = %(page_view)s AND path = %(step_{n})s)"
    " OR (event_type = %(custom)s AND event_name = %(step_{n})s)"
    " OR event_type = %(step_type_{n})s"
)
# Step N is reached at the first event matching it after the one that reached step N-1 (greedy,
# which finds the furthest step any ordering of the visit's events could reach).
FUNNEL_LATERAL = """CROSS JOIN LATERAL (
    SELECT min(position) AS seq FROM unnest(f.step_{n}) AS position WHERE position > {previous}
) AS r{n}"""


def report_funnel(*, website: Website, params: ReportParams) -> dict:
    """Visits reaching each step, in order, and each step's conversion from the step before."""
    steps: list[str] = params.extra["steps"]
    type_codes = {str(label): int(value) for value, label in EventType.choices}
    args = _base_args(website=website, params=params, ranges=[params.period])
    numbers = range(1, len(steps) + 1)
    for number, step in zip(numbers, steps, strict=True):
        args[f"step_{number}"] = step
        args[f"step_type_{number}"] = type_codes.get(step)
    aggregates = [f"min(seq) FILTER (WHERE {FUNNEL_MATCH.format(n=1)}) AS step_1"] + [
        f"array_agg(seq) FILTER (WHERE {FUNNEL_MATCH.format(n=number)}) AS step_{number}"
        for number in numbers[1:]
    ]
    laterals = [
        FUNNEL_LATERAL.format(
            n=number, previous="f.step_1" if number == 2 else f"r{number - 1}.seq"
        )
        for number in numbers[1:]
    ]
    counts = ["count(f.step_1)"] + [f"count(r{number}.seq)" for number in numbers[1:]]
    sql = _with(EVENTS_CTE, SESSIONED_CTE, visits_cte(more_aggregates=aggregates)) + (
        FUNNEL_SQL.replace("{counts}", ", ".join(counts)).replace("{laterals}", "\n".join(laterals))
    )
    (reached,) = fetch_rows(sql, args)
    funnel = []
    for index, step in enumerate(steps):
        conversion = 100 if index == 0 else rate(reached[index], reached[index - 1])
        funnel.append({"step": step, "sessions": reached[index], "conversion_rate": conversion})
    return {"period": params.period.as_dict(), "funnel": funnel}


# --- Realtime --------------------------------------------------------------------------------

REALTIME_SQL = """
WITH recent AS (
    SELECT ip_hash, event_type, path
    FROM ingest_event
    WHERE website_id = %(website_id)s AND timestamp > %(since)s AND timestamp <= %(now)s
      AND NOT is_bot AND NOT is_excluded
)
SELECT 'visitors', NULL, NULL::smallint, count(DISTINCT ip_hash) FROM recent
UNION ALL (
    SELECT 'page', path, NULL, count(DISTINCT ip_hash) FROM recent
    WHERE event_type = %(page_view)s
    GROUP BY path ORDER BY 4 DESC, path LIMIT %(top)s
)
UNION ALL
SELECT 'type', NULL, event_type, count(*) FROM recent GROUP BY event_type
"""


def report_realtime(*, website: Website, params: ReportParams) -> dict:
    """The raw events of the last 30 minutes (never bots or excluded traffic)."""
    args = {
        "website_id": website.pk,
        "since": params.now - REALTIME_WINDOW,
        "now": params.now,
        "page_view": PAGE_VIEW,
        "top": REALTIME_TOP_PAGES,
    }
    active, pages, types = 0, [], []
    for kind, path, event_type, count in fetch_rows(REALTIME_SQL, args):
        if kind == "visitors":
            active = count
        elif kind == "page":
            pages.append({"path": path, "visitors": count})
        else:
            types.append({"eventType": EventType(event_type).label, "count": count})
    pages.sort(key=lambda row: (-row["visitors"], row["path"]))
    types.sort(key=lambda row: (-row["count"], row["eventType"]))
    return {"active_visitors": active, "top_pages": pages, "events_by_type": types}


# --- Custom events ---------------------------------------------------------------------------

CUSTOM_EVENTS_SQL = """
SELECT s.event_name AS name, count(*) AS count
FROM sessioned s
WHERE s.event_type = %(custom)s AND s.event_name IS NOT NULL
  AND (%(event_name)s::text IS NULL OR s.event_name = %(event_name)s)
  AND (%(content_group)s::text IS NULL
       OR (s.day, s.ip_hash, s.is_bot, s.session_no)
          IN (SELECT day, ip_hash, is_bot, session_no FROM visits))
GROUP BY s.event_name
ORDER BY count DESC, name
LIMIT %(limit)s OFFSET %(offset)s
"""

# Without a content group no session is needed: a plain count over the events.
CUSTOM_EVENTS_PLAIN_SQL = """
SELECT e.event_name AS name, count(*) AS count
FROM events e
WHERE e.event_type = %(custom)s AND e.event_name IS NOT NULL
  AND (%(event_name)s::text IS NULL OR e.event_name = %(event_name)s)
GROUP BY e.event_name
ORDER BY count DESC, name
LIMIT %(limit)s OFFSET %(offset)s
"""


def report_custom_events(*, website: Website, params: ReportParams) -> dict:
    """Custom events by name; with a content group, those of matching visits only."""
    args = _base_args(website=website, params=params, ranges=[params.period])
    args["event_name"] = params.extra.get("event_name")
    if params.content_group is None:
        sql = _with(EVENTS_CTE) + CUSTOM_EVENTS_PLAIN_SQL
    else:
        sql = _with(*VISIT_CTES) + CUSTOM_EVENTS_SQL
    return paginated(params, report_rows(sql, args, ("name", "count"), params=params))


# --- Timeseries ------------------------------------------------------------------------------

# One value per day with visits or page views; the outer query fills the other days with 0.
TIMESERIES_DAILY_SQL = {
    "visits": "SELECT day, count(*) FROM visits WHERE viewed_path GROUP BY day",
    "pageviews": """
        SELECT day, count(*) FROM events
        WHERE event_type = %(page_view)s
          AND (%(content_group)s::text IS NULL OR content_group = %(content_group)s)
          AND (%(path)s::text IS NULL OR path = %(path)s)
        GROUP BY day""",
    "unique_pageviews": """
        SELECT day, count(DISTINCT (ip_hash, is_bot, session_no, path)) FROM sessioned
        WHERE counted_view AND (%(path)s::text IS NULL OR path = %(path)s) GROUP BY day""",
    "bounce_rate": """
        SELECT day, round(100.0 * count(*) FILTER (WHERE pageviews = 1) / count(*), 2)
        FROM visits WHERE viewed_path GROUP BY day""",
    "avg_session_duration": f"""
        SELECT day, {MEAN_SECONDS_SQL.format(total="sum(duration)", count="count(*)")}
        FROM visits WHERE viewed_path GROUP BY day""",
    "landing_page_entries": """
        SELECT day, count(*) FROM visits
        WHERE landing_counted AND (%(path)s::text IS NULL OR landing_path = %(path)s)
        GROUP BY day""",
    "exit_page_exits": """
        SELECT day, count(*) FROM visits
        WHERE exit_counted AND (%(path)s::text IS NULL OR exit_path = %(path)s)
        GROUP BY day""",
}

TIMESERIES_SQL = """
SELECT days.day::date, coalesce(daily.value, 0)
FROM generate_series(%(first_day)s::date, %(last_day)s::date, interval '1 day') AS days(day)
LEFT JOIN ({daily}) AS daily(day, value) ON daily.day = days.day::date
ORDER BY days.day
"""


def report_timeseries(*, website: Website, params: ReportParams) -> dict:
    """One value of the chosen metric for every day of the period, 0 on days without data."""
    metric = params.extra.get("metric", "pageviews")
    path = params.extra.get("path")
    args = _base_args(website=website, params=params, ranges=[params.period])
    args.update(path=path, first_day=params.period.start, last_day=params.period.end)
    sql = _with(*VISIT_CTES) + TIMESERIES_SQL.replace("{daily}", TIMESERIES_DAILY_SQL[metric])
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
