"""The rollup rows computed from raw events: one SQL definition per rollup table.

Each definition (`ROLLUPS`) reads the shared common table expressions below and returns day rows
shaped like its table (its `columns`, after `website_id`). It is used twice:

- `aggregation.services.day_aggregate` inserts its rows for one whole day (every slice), in one
  statement that computes the sessions once for all the tables;
- the report selectors read it live, for the days of a period that are not aggregated (today,
  stale days), next to the stored rows of the others (`aggregation.selectors`).

Parameters:

- `website_id`, `time_zone` (the website's: days are its local dates), and `page_view`,
  `custom`, `session_gap` (`SQL_CONSTANTS`);
- `{ranges}` (replaced in the text): the timestamp ranges to read, as a condition on `e`;
- `include_bots`: whether bot events are read (their rows carry `is_bot = true`);
- `group_filter`: the `content_group` slice to compute: NULL for every slice (aggregation), ''
  for the unfiltered one, or a group name. Page-level rows (`DayPage`) have no slice: a group
  keeps its own page views.

Definitions (those of `reports.reference`, which the tests check this against): excluded
traffic never counts; sessions are a visitor's events of one local day and one bot verdict,
ordered by time then id and split where the gap to the previous event exceeds 30 minutes; a
visit is a session with a page view; a visit is in the slice of each group it viewed a page of;
its source and device are those of its first event; its landing (exit) page is its first (last)
page view.

Month rows (`is_month`) are sums of day rows, computed from the tables themselves (below).
"""

import re
from dataclasses import dataclass
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
    SELECT e.id, e.timestamp AS ts, (e.timestamp AT TIME ZONE %(time_zone)s)::date AS day,
           e.ip_hash,
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

# One row per session: its figures, the attributes of its first event, its page views in order
# (paths and groups) and the names of its custom events. Grouped in the windows' order, so the
# sessions come out of one incremental sort.
SESSIONS = """
sessions AS (
    SELECT day, ip_hash, is_bot, session_no,
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
               AS page_groups,
           array_agg(event_name) FILTER (WHERE event_type = %(custom)s AND event_name IS NOT NULL)
               AS custom_names
    FROM sessioned
    GROUP BY day, ip_hash, is_bot, session_no
)"""

# The visits: sessions with a page view (with a group slice, one in the group).
VISITS = """
visits AS (
    SELECT * FROM sessions
    WHERE pageviews > 0
      AND (%(group_filter)s::text IS NULL OR %(group_filter)s = ''
           OR %(group_filter)s = ANY(page_groups))
)"""

# One row per visit and slice it is in: '' (every visit), then each group it viewed a page of,
# with the page-level counts of that slice: page views, distinct paths, and whether its landing
# (exit) page view is one of them. A report reads one slice: the other branch is pruned when the
# query is planned, and the columns it does not read are not computed.
VISIT_SLICES = """
visit_slices AS (
    SELECT v.*, '' AS group_filter, v.pageviews AS views,
           (SELECT count(DISTINCT p) FROM unnest(v.page_paths) AS p) AS paths,
           true AS landing, true AS exit
    FROM visits v
    WHERE %(group_filter)s::text IS NULL OR %(group_filter)s = ''
    UNION ALL
    SELECT v.*, slice.group_filter, slice.views, slice.paths, slice.landing, slice.exit
    FROM visits v
    CROSS JOIN LATERAL (
        SELECT g AS group_filter, count(*) AS views, count(DISTINCT p) AS paths,
               bool_or(n = 1) AS landing, bool_or(n = cardinality(v.page_paths)) AS exit
        FROM unnest(v.page_paths, v.page_groups) WITH ORDINALITY AS page(p, g, n)
        WHERE g IS NOT NULL AND (%(group_filter)s::text IS NULL OR g = %(group_filter)s)
        GROUP BY g
    ) AS slice
    WHERE %(group_filter)s::text IS DISTINCT FROM ''
)"""

SHARED_CTES = (EVENTS, SESSIONED, SESSIONS, VISITS, VISIT_SLICES)

# --- One definition per rollup table ---------------------------------------------------------
# Counts are cast to integer (a day's counts fit) so that sums over many days stay bigint.

DAY_TOTAL = """
SELECT day, is_bot, group_filter,
       count(*)::int AS visits,
       count(DISTINCT ip_hash)::int AS visitors,
       sum(views)::int AS pageviews,
       sum(paths)::int AS unique_pageviews,
       (count(*) FILTER (WHERE pageviews = 1))::int AS bounces,
       (count(*) FILTER (WHERE landing))::int AS entries,
       (count(*) FILTER (WHERE exit))::int AS exits,
       sum(duration) AS duration_sum
FROM visit_slices
GROUP BY day, is_bot, group_filter
"""

DAY_PAGE = """
SELECT v.day, v.is_bot, page.path, page.content_group,
       sum(page.views)::int AS pageviews,
       count(*)::int AS unique_pageviews,
       (count(*) FILTER (WHERE page.landing))::int AS entries,
       (count(*) FILTER (WHERE page.exit))::int AS exits
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
       count(*)::int AS visits,
       (count(*) FILTER (WHERE v.pageviews = 1))::int AS bounces,
       sum(v.duration) AS duration_sum
FROM visit_slices v
CROSS JOIN LATERAL (SELECT DISTINCT p AS path FROM unnest(v.page_paths) AS p) AS page
GROUP BY v.day, v.is_bot, v.group_filter, page.path
"""

DAY_SOURCE = """
SELECT day, is_bot, group_filter, channel, referrer_domain, utm_source, utm_medium, utm_campaign,
       count(*)::int AS visits
FROM visit_slices
GROUP BY day, is_bot, group_filter, channel, referrer_domain, utm_source, utm_medium,
         utm_campaign
"""

DAY_DEVICE = """
SELECT day, is_bot, group_filter, device_type, browser_family, os_family, screen_bucket,
       count(*)::int AS visits
FROM visit_slices
GROUP BY day, is_bot, group_filter, device_type, browser_family, os_family, screen_bucket
"""

# '' counts every custom event (in a visit or not: no session needed); a group, those of its
# visits.
DAY_CUSTOM_EVENT = """
SELECT day, is_bot, '' AS group_filter, event_name, count(*)::int AS events
FROM events
WHERE event_type = %(custom)s AND event_name IS NOT NULL
  AND (%(group_filter)s::text IS NULL OR %(group_filter)s = '')
GROUP BY day, is_bot, event_name
UNION ALL
SELECT v.day, v.is_bot, v.group_filter, name, count(*)::int
FROM visit_slices v
CROSS JOIN unnest(v.custom_names) AS name
WHERE %(group_filter)s::text IS DISTINCT FROM '' AND v.group_filter <> ''
GROUP BY v.day, v.is_bot, v.group_filter, name
"""


@dataclass(frozen=True)
class Rollup:
    """A rollup table: its key columns (after website_id, day), its counts, its definition."""

    table: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    definition: str

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of `definition`, in order: the table's, after website_id."""
        return ("day", *self.keys, *self.counts)

    @property
    def sliced(self) -> bool:
        """Whether rows are per `group_filter` slice (else per page `content_group`)."""
        return "group_filter" in self.keys


ROLLUPS: dict[str, Rollup] = {
    rollup.table: rollup
    for rollup in (
        Rollup(
            "aggregation_daytotal",
            ("is_bot", "group_filter"),
            (
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
        Rollup(
            "aggregation_daypage",
            ("is_bot", "path", "content_group"),
            ("pageviews", "unique_pageviews", "entries", "exits"),
            DAY_PAGE,
        ),
        Rollup(
            "aggregation_daypathvisits",
            ("is_bot", "group_filter", "path"),
            ("visits", "bounces", "duration_sum"),
            DAY_PATH_VISITS,
        ),
        Rollup(
            "aggregation_daysource",
            (
                "is_bot",
                "group_filter",
                "channel",
                "referrer_domain",
                "utm_source",
                "utm_medium",
                "utm_campaign",
            ),
            ("visits",),
            DAY_SOURCE,
        ),
        Rollup(
            "aggregation_daydevice",
            (
                "is_bot",
                "group_filter",
                "device_type",
                "browser_family",
                "os_family",
                "screen_bucket",
            ),
            ("visits",),
            DAY_DEVICE,
        ),
        Rollup(
            "aggregation_daycustomevent",
            ("is_bot", "group_filter", "event_name"),
            ("events",),
            DAY_CUSTOM_EVENT,
        ),
    )
}


# How PostgreSQL should plan the shared CTEs that several parts of a statement read. Reports
# read one slice of one table: `events` and `visits` are inlined where they are read, so that
# each is planned with the columns and branches the report needs. Aggregation reads every
# slice of every table: the sessions are computed once (MATERIALIZED), the events scanned twice
# rather than copied.
LIVE_HINTS = {"events": "NOT MATERIALIZED", "visits": "NOT MATERIALIZED"}
AGGREGATE_HINTS = {"events": "NOT MATERIALIZED", "sessions": "MATERIALIZED"}


def with_shared(ranges: str, *more: str, aggregate: bool = False) -> str:
    """`WITH` the shared CTEs that `more` needs, over the events of `ranges` (a condition on
    `e`), then `more`. A CTE nothing reads is left out: PostgreSQL would count its references
    and materialize the CTEs it reads."""
    hints = AGGREGATE_HINTS if aggregate else LIVE_HINTS
    needed, text = [], " ".join(more)
    for cte in reversed(SHARED_CTES):
        names = re.findall(r"^(\w+) AS \($", cte, flags=re.MULTILINE)
        if any(re.search(rf"\b{name}\b", text) for name in names):
            text += cte
            for name in names:
                if name in hints:
                    cte = cte.replace(f"\n{name} AS (\n", f"\n{name} AS {hints[name]} (\n")
            needed.insert(0, cte.replace("{ranges}", ranges))
    return "WITH" + ",".join(needed + list(more))


def timestamp_ranges_condition(count: int, prefix: str = "raw") -> str:
    """`e.timestamp` within one of `count` ranges `%(<prefix>_from_N)s`..`%(<prefix>_to_N)s`."""
    if count == 0:
        return "false"
    return " OR ".join(
        f"(e.timestamp >= %({prefix}_from_{n})s AND e.timestamp < %({prefix}_to_{n})s)"
        for n in range(count)
    )


# --- Month rows ------------------------------------------------------------------------------
# A month row (`is_month`, `day` = the month's first day) holds the sums of the month's day rows,
# so that long periods read one row per month instead of one per day. Recomputed whenever one of
# its days is aggregated; read only for months whose every day is aggregated.


def month_delete_sql() -> str:
    deletes = [
        f"month_{n} AS (DELETE FROM {table} "
        "WHERE website_id = %(website_id)s AND day = %(month)s AND is_month)"
        for n, table in enumerate(ROLLUPS)
    ]
    return "WITH " + ",\n".join(deletes) + "\nSELECT 1"


def month_insert_sql() -> str:
    inserts = []
    for n, rollup in enumerate(ROLLUPS.values()):
        keys = ", ".join(rollup.keys)
        sums = ", ".join(f"sum({count})" for count in rollup.counts)
        inserts.append(
            f"""
month_{n} AS (
    INSERT INTO {rollup.table} (website_id, day, is_month, {keys}, {", ".join(rollup.counts)})
    SELECT website_id, %(month)s, true, {keys}, {sums}
    FROM {rollup.table}
    WHERE website_id = %(website_id)s AND day >= %(month)s AND day < %(next_month)s
      AND NOT is_month
    GROUP BY website_id, {keys}
)"""
        )
    return "WITH" + ",".join(inserts) + "\nSELECT 1"
