"""The rollup rows computed from sessions: one SQL definition per rollup table.

Each definition (`ROLLUPS`) reads the shared common table expressions below, over the session
rows of `aggregation.sessions` (the one definition of a session), and returns day rows shaped
like its table (its `columns`, after `website_id`). It is used twice:

- `aggregation.services.day_aggregate` inserts its rows for one whole day (every slice) from
  the day's sessions it has just stored, in one statement for all the tables;
- the report selectors read it live, for the days of a period that are not aggregated (today,
  stale days), next to the stored rows of the others (`aggregation.selectors`): over today's
  stored closed sessions and the sessions of the events after them.

Parameters:

- those of the session rows (`aggregation.sessions`), and `page_view`, `custom`,
  `session_gap` (`SQL_CONSTANTS`);
- `{session_rows}` (replaced in the text, our own SQL): the `SELECT` of the session rows;
- `include_bots`: whether bot sessions are read (their rows carry `is_bot = true`);
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

# The sessions of the days (`aggregation.sessions`: stored, and live from raw events), each
# with its page views' paths and groups in order and its custom events' names.
SESSIONS = """
sessions AS (
    SELECT day, ip_hash, is_bot, pageviews, duration_us / 1000000.0 AS duration,
           channel, referrer_domain, utm_source, utm_medium, utm_campaign,
           device_type, browser_family, os_family, screen_bucket,
           ARRAY(SELECT p FROM unnest(event_paths, event_types) WITH ORDINALITY AS e(p, t, n)
                 WHERE t = %(page_view)s ORDER BY n) AS page_paths,
           ARRAY(SELECT g FROM unnest(event_groups, event_types) WITH ORDINALITY AS e(g, t, n)
                 WHERE t = %(page_view)s ORDER BY n) AS page_groups,
           ARRAY(SELECT name FROM unnest(event_names, event_types) AS e(name, t)
                 WHERE t = %(custom)s AND name IS NOT NULL) AS custom_names,
           stored_visit, stored_groups
    FROM ({session_rows}) AS session_rows
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
# (exit) page view is one of them, and whether its visitor is counted already (a live visit
# of today whose visitor has a stored visit in the slice: today's stored rollup rows count it).
# A report reads one slice: the other branch is pruned when the query is planned, and the
# columns it does not read are not computed.
VISIT_SLICES = """
visit_slices AS (
    SELECT v.*, '' AS group_filter, v.pageviews AS views,
           (SELECT count(DISTINCT p) FROM unnest(v.page_paths) AS p) AS paths,
           true AS landing, true AS exit, v.stored_visit AS visitor_counted
    FROM visits v
    WHERE %(group_filter)s::text IS NULL OR %(group_filter)s = ''
    UNION ALL
    SELECT v.*, slice.group_filter, slice.views, slice.paths, slice.landing, slice.exit,
           coalesce(position(chr(31) || slice.group_filter || chr(31) IN v.stored_groups) > 0,
                    false) AS visitor_counted
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

SHARED_CTES = (SESSIONS, VISITS, VISIT_SLICES)

# --- One definition per rollup table ---------------------------------------------------------
# Counts are cast to integer (a day's counts fit) so that sums over many days stay bigint.

DAY_TOTAL = """
SELECT day, is_bot, group_filter,
       count(*)::int AS visits,
       (count(DISTINCT ip_hash) FILTER (WHERE NOT visitor_counted))::int AS visitors,
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

# '' counts every custom event (in a visit or not); a group, those of its visits.
DAY_CUSTOM_EVENT = """
SELECT day, is_bot, '' AS group_filter, name AS event_name, count(*)::int AS events
FROM sessions
CROSS JOIN unnest(custom_names) AS name
WHERE %(group_filter)s::text IS NULL OR %(group_filter)s = ''
GROUP BY day, is_bot, name
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
# read one slice of one table: `visits` is inlined where it is read, so that it is planned
# with the columns and branches the report needs. Aggregation reads every slice of every
# table: the sessions' page arrays are computed once (MATERIALIZED).
LIVE_HINTS = {"visits": "NOT MATERIALIZED"}
AGGREGATE_HINTS = {"sessions": "MATERIALIZED"}


def with_shared(session_rows: str, *more: str, aggregate: bool = False, first: str = "") -> str:
    """`WITH` the CTEs `first` (that `session_rows` may read), the shared CTEs that `more`
    needs, over the session rows of `session_rows` (a `SELECT` of `aggregation.sessions`'
    columns and event arrays), then `more`. A CTE nothing reads is left out: PostgreSQL would
    count its references and materialize the CTEs it reads."""
    hints = AGGREGATE_HINTS if aggregate else LIVE_HINTS
    needed, text = [], " ".join(more)
    for cte in reversed(SHARED_CTES):
        names = re.findall(r"^(\w+) AS \($", cte, flags=re.MULTILINE)
        if any(re.search(rf"\b{name}\b", text) for name in names):
            text += cte
            for name in names:
                if name in hints:
                    cte = cte.replace(f"\n{name} AS (\n", f"\n{name} AS {hints[name]} (\n")
            needed.insert(0, cte.replace("{session_rows}", session_rows))
    return "WITH" + ",".join([first] * bool(first) + needed + list(more))


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
