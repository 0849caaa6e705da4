"""The rollup rows computed from raw events: one SQL definition per rollup table.

Each definition reads the shared common table expressions below and returns rows shaped like its
table (without `website_id`). It is used twice:

- `aggregation.services.day_aggregate` inserts its rows for one whole day (every slice), in one
  statement that computes the sessions once for all the tables;
- the report selectors read it live, for the days of a period that are not aggregated (today,
  stale days), next to the stored rows of the others (`aggregation.selectors`).

Parameters:

- `website_id`, `page_view`, `custom`, `session_gap`;
- `{ranges}` (replaced in the text): the timestamp ranges to read, as a condition on `e`;
- `include_bots`: whether bot events are read (their rows carry `is_bot = true`);
- `group_filter`: the `content_group` slice to compute: NULL for every slice (aggregation), ''
  for the unfiltered one, or a group name. Page-level rows (`DayPage`) have no slice: a group
  keeps its own page views.

Definitions (the same as `reports.reference`, which the tests check this against): events of
excluded traffic never count; sessions are a visitor's events of one UTC day and one bot verdict,
split where the gap to the previous one exceeds 30 minutes; a visit is a session with a page
view; a visit is in the slice of each group it viewed a page of; its source and device are those
of its first event; its landing (exit) page is its first (last) page view.
"""

from datetime import timedelta

from ingest.models import EventType

SESSION_GAP = timedelta(minutes=30)

SQL_CONSTANTS = {
    "page_view": EventType.PAGE_VIEW.value,
    "custom": EventType.CUSTOM.value,
    "session_gap": SESSION_GAP,
}

# --- Shared CTEs -----------------------------------------------------------------------------

EVENTS = """
events AS (
    SELECT e.id, e.timestamp AS ts, (e.timestamp AT TIME ZONE 'UTC')::date AS day, e.ip_hash,
           e.is_bot, e.event_type, e.event_name, e.path, e.content_group,
           e.referrer_channel, e.referrer_domain, e.utm_source, e.utm_medium, e.utm_campaign,
           e.device_type, e.browser_family, e.os_family, e.screen_bucket
    FROM ingest_event e
    WHERE e.website_id = %(website_id)s
      AND ({ranges})
      AND NOT e.is_excluded
      AND (%(include_bots)s OR NOT e.is_bot)
)"""

# A session starts where the gap to the visitor's previous event exceeds 30 minutes; one sort
# serves both windows.
SESSIONED = """
marked AS (
    SELECT events.*,
           coalesce(ts - lag(ts) OVER visitor_day > %(session_gap)s, true) AS is_start
    FROM events
    WINDOW visitor_day AS (PARTITION BY day, ip_hash, is_bot ORDER BY ts, id)
),
sessioned AS (
    SELECT marked.*,
           count(*) FILTER (WHERE is_start) OVER (
               PARTITION BY day, ip_hash, is_bot ORDER BY ts, id ROWS UNBOUNDED PRECEDING
           ) AS session_no
    FROM marked
)"""

# One row per visit: its figures, the attributes of its first event and its page views in order
# (paths and groups). With a group slice, only the visits that viewed a page of the group.
VISITS = """
visits AS (
    SELECT day, is_bot, ip_hash, session_no,
           count(*) FILTER (WHERE event_type = %(page_view)s) AS pageviews,
           extract(epoch FROM max(ts) - min(ts)) AS duration,
           min(referrer_channel) FILTER (WHERE is_start) AS channel,
           min(referrer_domain) FILTER (WHERE is_start) AS referrer_domain,
           min(utm_source) FILTER (WHERE is_start) AS utm_source,
           min(utm_medium) FILTER (WHERE is_start) AS utm_medium,
           min(utm_campaign) FILTER (WHERE is_start) AS utm_campaign,
           min(device_type) FILTER (WHERE is_start) AS device_type,
           min(browser_family) FILTER (WHERE is_start) AS browser_family,
           min(os_family) FILTER (WHERE is_start) AS os_family,
           min(screen_bucket) FILTER (WHERE is_start) AS screen_bucket,
           array_agg(path ORDER BY ts, id) FILTER (WHERE event_type = %(page_view)s)
               AS page_paths,
           array_agg(content_group ORDER BY ts, id) FILTER (WHERE event_type = %(page_view)s)
               AS page_groups
    FROM sessioned
    GROUP BY day, is_bot, ip_hash, session_no
    HAVING count(*) FILTER (WHERE event_type = %(page_view)s) > 0
       AND (%(group_filter)s::text IS NULL OR %(group_filter)s = ''
            OR bool_or(event_type = %(page_view)s AND content_group = %(group_filter)s))
)"""

# One row per visit and slice it is in: '' (every visit), then each group it viewed a page of,
# with the page-level counts of that slice: page views, distinct paths, and whether its landing
# (exit) page view is one of them.
VISIT_SLICES = """
visit_slices AS (
    SELECT v.*, slice.group_filter, slice.views, slice.paths, slice.landing, slice.exit
    FROM visits v
    CROSS JOIN LATERAL (
        SELECT '' AS group_filter, v.pageviews AS views,
               (SELECT count(DISTINCT p) FROM unnest(v.page_paths) AS p) AS paths,
               true AS landing, true AS exit
        WHERE %(group_filter)s::text IS NULL OR %(group_filter)s = ''
        UNION ALL
        SELECT g, count(*), count(DISTINCT p), bool_or(n = 1),
               bool_or(n = cardinality(v.page_paths))
        FROM unnest(v.page_paths, v.page_groups) WITH ORDINALITY AS page(p, g, n)
        WHERE %(group_filter)s::text IS DISTINCT FROM ''
          AND g IS NOT NULL
          AND (%(group_filter)s::text IS NULL OR g = %(group_filter)s)
        GROUP BY g
    ) AS slice
)"""

SHARED_CTES = (EVENTS, SESSIONED, VISITS, VISIT_SLICES)

# --- One definition per rollup table ---------------------------------------------------------
# The columns of each SELECT are the table's, in this order, after `website_id`.

DAY_TOTAL = """
SELECT day, is_bot, group_filter,
       count(*) AS visits,
       count(DISTINCT ip_hash) AS visitors,
       sum(views) AS pageviews,
       sum(paths) AS unique_pageviews,
       count(*) FILTER (WHERE pageviews = 1) AS bounces,
       count(*) FILTER (WHERE landing) AS entries,
       count(*) FILTER (WHERE exit) AS exits,
       sum(duration) AS duration_sum
FROM visit_slices
GROUP BY day, is_bot, group_filter
"""

DAY_PAGE = """
SELECT v.day, v.is_bot, page.path, page.content_group,
       sum(page.views) AS pageviews,
       count(*) AS unique_pageviews,
       count(*) FILTER (WHERE page.landing) AS entries,
       count(*) FILTER (WHERE page.exit) AS exits
FROM visits v
CROSS JOIN LATERAL (
    SELECT p AS path, g AS content_group, count(*) AS views, bool_or(n = 1) AS landing,
           bool_or(n = cardinality(v.page_paths)) AS exit
    FROM unnest(v.page_paths, v.page_groups) WITH ORDINALITY AS page(p, g, n)
    WHERE %(group_filter)s::text IS NULL OR %(group_filter)s = '' OR g = %(group_filter)s
    GROUP BY p, g
) AS page
GROUP BY v.day, v.is_bot, page.path, page.content_group
"""

DAY_PATH_VISITS = """
SELECT v.day, v.is_bot, v.group_filter, page.path,
       count(*) AS visits,
       count(*) FILTER (WHERE v.pageviews = 1) AS bounces,
       sum(v.duration) AS duration_sum
FROM visit_slices v
CROSS JOIN LATERAL (SELECT DISTINCT p AS path FROM unnest(v.page_paths) AS p) AS page
GROUP BY v.day, v.is_bot, v.group_filter, page.path
"""

DAY_SOURCE = """
SELECT day, is_bot, group_filter, channel, referrer_domain, utm_source, utm_medium, utm_campaign,
       count(*) AS visits
FROM visit_slices
GROUP BY day, is_bot, group_filter, channel, referrer_domain, utm_source, utm_medium,
         utm_campaign
"""

DAY_DEVICE = """
SELECT day, is_bot, group_filter, device_type, browser_family, os_family, screen_bucket,
       count(*) AS visits
FROM visit_slices
GROUP BY day, is_bot, group_filter, device_type, browser_family, os_family, screen_bucket
"""

# '' counts every custom event (a visit is not needed); a group, those of its visits.
DAY_CUSTOM_EVENT = """
SELECT day, is_bot, '' AS group_filter, event_name, count(*) AS events
FROM events
WHERE event_type = %(custom)s AND event_name IS NOT NULL
  AND (%(group_filter)s::text IS NULL OR %(group_filter)s = '')
GROUP BY day, is_bot, event_name
UNION ALL
SELECT s.day, s.is_bot, v.group_filter, s.event_name, count(*)
FROM sessioned s
JOIN visit_slices v
  ON (v.day, v.is_bot, v.ip_hash, v.session_no) = (s.day, s.is_bot, s.ip_hash, s.session_no)
WHERE %(group_filter)s::text IS DISTINCT FROM ''
  AND s.event_type = %(custom)s AND s.event_name IS NOT NULL AND v.group_filter <> ''
GROUP BY s.day, s.is_bot, v.group_filter, s.event_name
"""

# Table name -> (its columns after website_id, its definition).
ROLLUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "aggregation_daytotal": (
        (
            "day",
            "is_bot",
            "group_filter",
            "visits",
            "visitors",
            "pageviews",
            "unique_pageviews",
            "bounces",
            "entries",
            "exits",
            "duration_sum",
        ),
        DAY_TOTAL,
    ),
    "aggregation_daypage": (
        (
            "day",
            "is_bot",
            "path",
            "content_group",
            "pageviews",
            "unique_pageviews",
            "entries",
            "exits",
        ),
        DAY_PAGE,
    ),
    "aggregation_daypathvisits": (
        ("day", "is_bot", "group_filter", "path", "visits", "bounces", "duration_sum"),
        DAY_PATH_VISITS,
    ),
    "aggregation_daysource": (
        (
            "day",
            "is_bot",
            "group_filter",
            "channel",
            "referrer_domain",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "visits",
        ),
        DAY_SOURCE,
    ),
    "aggregation_daydevice": (
        (
            "day",
            "is_bot",
            "group_filter",
            "device_type",
            "browser_family",
            "os_family",
            "screen_bucket",
            "visits",
        ),
        DAY_DEVICE,
    ),
    "aggregation_daycustomevent": (
        ("day", "is_bot", "group_filter", "event_name", "events"),
        DAY_CUSTOM_EVENT,
    ),
}


def with_shared(ranges: str, *more: str) -> str:
    """`WITH` the shared CTEs over the events of `ranges` (a condition on `e`), then `more`."""
    return "WITH" + ",".join(
        [cte.replace("{ranges}", ranges) for cte in SHARED_CTES] + list(more)
    )


def timestamp_ranges_condition(count: int, prefix: str = "raw") -> str:
    """`e.timestamp` within one of `count` ranges `%(<prefix>_from_N)s`..`%(<prefix>_to_N)s`."""
    if count == 0:
        return "false"
    return " OR ".join(
        f"(e.timestamp >= %({prefix}_from_{n})s AND e.timestamp < %({prefix}_to_{n})s)"
        for n in range(count)
    )
