"""Sessions: one row per session of a visitor's local day, with its events in order.

`SESSION_ROWS` is the one definition of a session row, computed from raw events. Everything
that counts visits reads it:

- `day_aggregate` stores its rows for one whole day (bots included) in `aggregation_session`
  (its events' arrays apart, in `aggregation_sessionevents`) and computes the day's rollup rows
  from them (`aggregation.sql`), in one statement;
- the query engine (`stats`) reads it live for the days whose sessions are not stored (today,
  stale days), next to the stored rows of the others, so no query sessionizes stored days;
- the reports' live rollup rows (`aggregation.selectors`) are computed from it.

Parameters: `website_id`, `time_zone`, `include_bots`, `page_view`, `session_gap`
(`SQL_CONSTANTS`); `session_rows_sql` fills in the ranges of events to read.

A day can also be stored in part (today, every few minutes: `day_closed_sessions_store`): the
sessions that ended more than 30 minutes before a cutoff, which no later event can join, with
their rollup rows. Its other sessions are read live from the events after each visitor's last
stored session (`stored_until`): a visitor's closed sessions come before its open ones. Those
live rows also say whether their visitor has a stored visit (`stored_visit`, `stored_groups`),
so that the rollups count each visitor of the day once.

Definitions are the README's: excluded traffic never counts; a session is a visitor's events of
one local day and one bot verdict, ordered by time then id and split where the gap exceeds 30
minutes; its visit-level attributes are those of its first event; its entry and exit pages (and
their content groups) are its first and last page views'.
"""

from datetime import date

from psycopg import sql

from analytics_site.partitions import month_partition_name, month_partitions_ensure

SESSIONS_TABLE = "aggregation_session"
# Between the distinct paths (groups) a session viewed, in `viewed_paths` (`viewed_groups`):
# a control character, which no stored path or group holds (collect refuses them), so a
# substring of one never spans two. SQL's chr(31).
VIEWED_SEPARATOR = "\x1f"

SESSION_EVENTS_TABLE = "aggregation_sessionevents"

# The columns of a stored session (after id and website_id), in the table's order.
SESSION_COLUMNS = (
    "day",
    "started_at",
    "ended_at",
    "ip_hash",
    "is_bot",
    "channel",
    "referrer_domain",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "device_type",
    "browser_family",
    "os_family",
    "screen_bucket",
    "country",
    "entry_page",
    "exit_page",
    "entry_group",
    "exit_group",
    "viewed_paths",
    "viewed_groups",
    "pageviews",
    "events",
    "duration_us",
)
# A session's events in order, as parallel arrays: stored apart (`aggregation_sessionevents`).
EVENT_ARRAYS = (
    "event_times",
    "event_types",
    "event_paths",
    "event_names",
    "event_groups",
    "event_properties",
)

# The session of each event: a visitor's day (ip_hash, is_bot) in time order, a new session
# wherever the gap to the previous event exceeds 30 minutes. One sort serves both windows.
SESSION_ROWS = """
SELECT day, min(ts) AS started_at, max(ts) AS ended_at, ip_hash, is_bot,
       min(referrer_channel) FILTER (WHERE is_start) AS channel,
       min(referrer_domain) FILTER (WHERE is_start) AS referrer_domain,
       min(utm_source) FILTER (WHERE is_start) AS utm_source,
       min(utm_medium) FILTER (WHERE is_start) AS utm_medium,
       min(utm_campaign) FILTER (WHERE is_start) AS utm_campaign,
       min(utm_term) FILTER (WHERE is_start) AS utm_term,
       min(utm_content) FILTER (WHERE is_start) AS utm_content,
       min(device_type) FILTER (WHERE is_start) AS device_type,
       min(browser_family) FILTER (WHERE is_start) AS browser_family,
       min(os_family) FILTER (WHERE is_start) AS os_family,
       min(screen_bucket) FILTER (WHERE is_start) AS screen_bucket,
       min(country) FILTER (WHERE is_start) AS country,
       (array_agg(path ORDER BY ts, id) FILTER (WHERE event_type = %(page_view)s))[1]
           AS entry_page,
       (array_agg(path ORDER BY ts DESC, id DESC) FILTER (WHERE event_type = %(page_view)s))[1]
           AS exit_page,
       (array_agg(content_group ORDER BY ts, id) FILTER (WHERE event_type = %(page_view)s))[1]
           AS entry_group,
       (array_agg(content_group ORDER BY ts DESC, id DESC)
           FILTER (WHERE event_type = %(page_view)s))[1] AS exit_group,
       chr(31) || string_agg(DISTINCT path, chr(31)) FILTER (WHERE event_type = %(page_view)s)
           || chr(31) AS viewed_paths,
       chr(31) || string_agg(DISTINCT content_group, chr(31))
           FILTER (WHERE event_type = %(page_view)s) || chr(31) AS viewed_groups,
       (count(*) FILTER (WHERE event_type = %(page_view)s))::int AS pageviews,
       count(*)::int AS events,
       (extract(epoch FROM max(ts) - min(ts)) * 1000000)::bigint AS duration_us,
       array_agg(ts ORDER BY ts, id) AS event_times,
       array_agg(event_type ORDER BY ts, id) AS event_types,
       array_agg(path::text ORDER BY ts, id) AS event_paths,
       array_agg(event_name::text ORDER BY ts, id) AS event_names,
       array_agg(content_group::text ORDER BY ts, id) AS event_groups,
       array_agg(properties ORDER BY ts, id) AS event_properties,
       -- Live sessions after stored ones (today): whether their visitor has a stored visit,
       -- and the groups its stored visits viewed (the rollups count each visitor once).
       coalesce(bool_or(stored_visit), false) AS stored_visit,
       min(stored_groups) AS stored_groups
FROM (
    SELECT marked.*,
           count(*) FILTER (WHERE is_start) OVER (
               PARTITION BY day, ip_hash, is_bot ORDER BY ts, id ROWS UNBOUNDED PRECEDING
           ) AS session_no
    FROM (
        SELECT e.id, e.timestamp AS ts, (e.timestamp AT TIME ZONE %(time_zone)s)::date AS day,
               e.ip_hash, e.is_bot, e.event_type, e.event_name, e.path, e.content_group,
               e.referrer_channel, e.referrer_domain, e.utm_source, e.utm_medium,
               e.utm_campaign, e.utm_term, e.utm_content, e.device_type, e.browser_family,
               e.os_family, e.screen_bucket, e.country, e.properties,
               stored_until.visited AS stored_visit, stored_until.viewed_groups AS stored_groups,
               coalesce(
                   e.timestamp - lag(e.timestamp) OVER visitor_day > %(session_gap)s, true
               ) AS is_start
        FROM ingest_event e
        LEFT JOIN LATERAL ({stored_until}) AS stored_until ON true
        WHERE e.website_id = %(website_id)s
          AND ({ranges})
          AND NOT e.is_excluded
          AND (%(include_bots)s OR NOT e.is_bot)
        WINDOW visitor_day AS (
            PARTITION BY (e.timestamp AT TIME ZONE %(time_zone)s)::date, e.ip_hash, e.is_bot
            ORDER BY e.timestamp, e.id
        )
    ) AS marked
) AS sessioned
GROUP BY day, ip_hash, is_bot, session_no
"""


def timestamp_ranges_condition(count: int) -> str:
    """`e.timestamp` within one of `count` ranges `%(raw_from_N)s`..`%(raw_to_N)s`."""
    if count == 0:
        return "false"
    return " OR ".join(
        f"(e.timestamp >= %(raw_from_{n})s AND e.timestamp < %(raw_to_{n})s)" for n in range(count)
    )


# No stored sessions to read around (whole days).
_NOTHING_STORED = (
    "SELECT NULL::timestamptz AS ended_at, NULL::boolean AS visited, NULL::text AS viewed_groups"
)
# For an event of a day stored in part, its visitor's stored sessions that day: the end of the
# last one, whether one was a visit, and the groups they viewed (each between separators). Found
# per event by the index (`OFFSET 0`: never pulled up into a join of the whole day's sessions).
_STORED_UNTIL = f"""
SELECT max(ended_at) AS ended_at, bool_or(pageviews > 0) AS visited,
       string_agg(viewed_groups, '') AS viewed_groups
FROM {SESSIONS_TABLE} s
WHERE s.website_id = %(website_id)s AND s.day = ANY(%(partial_days)s)
  AND s.day = (e.timestamp AT TIME ZONE %(time_zone)s)::date
  AND s.ip_hash = e.ip_hash AND s.is_bot = e.is_bot
OFFSET 0
"""


def session_rows_sql(*, raw_ranges: int, partial_ranges: int = 0) -> str:
    """SESSION_ROWS over `raw_ranges` ranges of whole days (`raw_from_N`..`raw_to_N`) and
    `partial_ranges` days stored in part (`partial_from_N`..`partial_to_N`, their dates in
    `partial_days`), of which it reads the events after each visitor's stored sessions."""
    partial = [
        f"(e.timestamp >= %(partial_from_{n})s AND e.timestamp < %(partial_to_{n})s"
        " AND (stored_until.ended_at IS NULL OR e.timestamp > stored_until.ended_at))"
        for n in range(partial_ranges)
    ]
    raw = timestamp_ranges_condition(raw_ranges)
    return SESSION_ROWS.replace("{ranges}", " OR ".join([raw, *partial])).replace(
        "{stored_until}", _STORED_UNTIL if partial_ranges else _NOTHING_STORED
    )


def session_partitions_ensure(*, day: date) -> None:
    """The stored sessions' partitions of `day`'s month, and their events' (call outside long
    transactions: it locks the tables for as long as the transaction that creates them)."""
    for parent in (SESSIONS_TABLE, SESSION_EVENTS_TABLE):
        month_partitions_ensure(parent=parent, months=[day], instants=False)


def session_partitions_analyze_new(cursor, *, day: date) -> None:
    """ANALYZEs the stored sessions' partitions of `day`'s month, and their events', that
    PostgreSQL has never analyzed (a month's first stored sessions). Until autovacuum does, a
    plan takes such a partition for empty and joins its sessions to their events by a rescan of
    the day per session (a 90-day funnel ran past its 25 s timeout). Called in the storing
    transaction, whose rows ANALYZE sees; a partition another transaction is analyzing is
    skipped."""
    names = [month_partition_name(p, day) for p in (SESSIONS_TABLE, SESSION_EVENTS_TABLE)]
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND reltuples < 0", [names]
    )
    for (name,) in cursor.fetchall():
        analyze = sql.SQL("ANALYZE (SKIP_LOCKED) {}").format(sql.Identifier(name))
        cursor.execute(analyze.as_string(cursor.connection))


def sessions_day_store_ctes(*, closed_before: bool = False) -> str:
    """CTEs that replace the stored sessions (and their events) of one website's day
    (`raw_from_0`..`raw_to_0`) by those computed from its events; `closed_before`: only those
    that ended before `%(closed_before)s`. `day_sessions` holds the sessions computed (all of
    them) for what follows to read, `stored` a row per session stored."""
    listed = ", ".join(SESSION_COLUMNS)
    arrays = ", ".join(EVENT_ARRAYS)
    closed = "WHERE ended_at < %(closed_before)s" if closed_before else ""
    day = "website_id = %(website_id)s AND day = %(day)s"
    return f"""
cleared AS (DELETE FROM {SESSIONS_TABLE} WHERE {day}),
cleared_events AS (DELETE FROM {SESSION_EVENTS_TABLE} WHERE {day}),
day_sessions AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('{SESSIONS_TABLE}', 'id')) AS id, *
    FROM ({session_rows_sql(raw_ranges=1)}) AS day_sessions
),
stored AS (
    INSERT INTO {SESSIONS_TABLE} (id, website_id, {listed})
    SELECT id, %(website_id)s::uuid, {listed} FROM day_sessions {closed}
    RETURNING 1
),
stored_events AS (
    INSERT INTO {SESSION_EVENTS_TABLE} (session_id, website_id, day, {arrays})
    SELECT id, %(website_id)s::uuid, day, {arrays} FROM day_sessions {closed}
)"""


def stored_sessions_sql(
    *,
    runs: int,
    events: bool,
    first: int = 0,
    of_visitor: str | None = None,
    events_by_index: bool = False,
) -> str:
    """The stored sessions of the website's `runs` runs of days (`stored_from_N`..
    `stored_to_N`, N from `first`), bots if `include_bots`, with their events' arrays when
    `events`: `SESSION_COLUMNS` (and `EVENT_ARRAYS`). `of_visitor`: only those of one visitor,
    the row (day, ip_hash, is_bot) of that name in an enclosing query, of which this is then a
    LATERAL subquery: a few sessions found by the index, whatever the statistics say (a day
    stored minutes ago has none yet). `events_by_index` (implied by `of_visitor`): each
    session's events found by the index, never joined by a plan that trusts the statistics:
    for days stored minutes ago, which a plan would take for empty and join by a nested loop
    rescanning the day's events per session."""

    def days(alias: str) -> str:
        runs_held = " OR ".join(
            f"{alias}.day BETWEEN %(stored_from_{n})s AND %(stored_to_{n})s"
            for n in range(first, first + runs)
        )
        return f"{alias}.website_id = %(website_id)s AND ({runs_held or 'false'})"

    listed = ", ".join(f"s.{column}" for column in SESSION_COLUMNS)
    bots = "(%(include_bots)s OR NOT s.is_bot)"
    if of_visitor is not None:
        bots += (
            f" AND s.day = {of_visitor}.day AND s.ip_hash = {of_visitor}.ip_hash"
            f" AND s.is_bot = {of_visitor}.is_bot"
        )
    if not events:
        return f"SELECT {listed} FROM {SESSIONS_TABLE} s WHERE {days('s')} AND {bots}"
    arrays = ", ".join(f"x.{column}" for column in EVENT_ARRAYS)
    events_of = "x.website_id = s.website_id AND x.day = s.day AND x.session_id = s.id"
    if of_visitor is not None or events_by_index:  # OFFSET 0: never pulled up into a join
        return f"""
SELECT {listed}, {arrays} FROM {SESSIONS_TABLE} s
CROSS JOIN LATERAL (SELECT * FROM {SESSION_EVENTS_TABLE} x WHERE {events_of} OFFSET 0) AS x
WHERE {days("s")} AND {bots}"""
    return f"""
SELECT {listed}, {arrays} FROM {SESSIONS_TABLE} s
JOIN {SESSION_EVENTS_TABLE} x ON {events_of}
WHERE {days("s")} AND {days("x")} AND {bots}"""
