"""The SQL of a query, composed once with `psycopg.sql`: every value travels as a parameter.

A query is answered from sessions (`aggregation.sessions`): the stored rows of the days whose
sessions are stored, and the same rows computed live from the raw events of the others, in one
statement. Over them:

- `kept`: the sessions that pass the top-level visit filters and compound filters;
- the **visit part** (visit metrics): the kept sessions that are visits and hold, for each
  top-level event filter, a matching event (page views only for `event:page` and
  `event:content_group`), grouped by the query's dimensions: a visit counts once in each
  combination of values its qualifying events give;
- the **event part** (event metrics): the events of kept sessions that match every top-level
  event filter, grouped by the query's dimensions;
- both parts `UNION ALL`, summed per combination (nulls group together), the metrics computed with
  exact integer arithmetic, ordered, counted and paginated.

The semantics are the README's ("Query engine"); `tests/stats/oracle.py` is their independent
statement in Python.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import groupby
from typing import Any

from psycopg import sql

from aggregation.selectors import DayRun, DaySplit, day_runs
from aggregation.sessions import (
    EVENT_ARRAYS,
    SESSION_COLUMNS,
    VIEWED_SEPARATOR,
    session_rows_sql,
    stored_sessions_sql,
)
from aggregation.sql import SQL_CONSTANTS
from ingest.models import EventType
from stats.dimensions import Dimension, dimension_get
from stats.filters import And, Filter, Leaf, Not, Or, filter_leaves
from stats.metrics import METRICS
from stats.models import DayDimension
from stats.planner import HOUR, TOTAL, TableRead
from stats.query import Query

PAGE_VIEW = EventType.PAGE_VIEW.value
CUSTOM = EventType.CUSTOM.value
# Event-level dimensions whose visits are those that viewed the value (a page view).
VIEWED = frozenset({"event:page", "event:content_group"})
VISIT_METRICS = frozenset(
    {"visitors", "visits", "bounce_rate", "visit_duration", "views_per_visit"}
)
EVENT_METRICS = frozenset({"pageviews", "events", "views_per_visit"})

# The stored sessions' event arrays, by the raw events' column each one holds.
EVENT_ARRAY_OF = {
    "timestamp": "event_times",
    "event_type": "event_types",
    "path": "event_paths",
    "event_name": "event_names",
    "content_group": "event_groups",
    "properties": "event_properties",
}


def events_of_session(
    dimensions: Sequence[Dimension], *, timestamps: bool = False
) -> sql.Composable:
    """The events of session `v`, one row each, named like the raw events' columns: their
    type, the columns the event `dimensions` read and, with `timestamps`, their time. Only
    those arrays are unnested (each one costs about as much as the others together)."""
    wanted = {"event_type"} | {d.column for d in dimensions if d.level == "event"}
    if timestamps:
        wanted.add("timestamp")
    columns = [column for column in EVENT_ARRAY_OF if column in wanted]
    return sql.SQL("unnest({}) AS e({})").format(
        sql.SQL(", ").join(
            sql.SQL("v.{}").format(sql.Identifier(EVENT_ARRAY_OF[c])) for c in columns
        ),
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
    )


# Each metric from the summed counts of a row, exactly: rounded half up by integer division.
METRIC_SQL = {
    "visitors": sql.SQL("sum(visitors)::bigint"),
    "visits": sql.SQL("sum(visits)::bigint"),
    "pageviews": sql.SQL("sum(pageviews)::bigint"),
    "events": sql.SQL("sum(events)::bigint"),
    "bounce_rate": sql.SQL(
        "CASE WHEN sum(visits) = 0 THEN 0 "
        "ELSE div(20000 * sum(bounces) + sum(visits), 2 * sum(visits)) / 100.0 END"
    ),
    "visit_duration": sql.SQL(
        "CASE WHEN sum(visits) = 0 THEN 0 "
        "ELSE div(2 * sum(duration_us) + 1000000 * sum(visits), 2000000 * sum(visits)) END"
    ),
    "views_per_visit": sql.SQL(
        "CASE WHEN sum(visits) = 0 THEN 0 "
        "ELSE div(200 * sum(pageviews) + sum(visits), 2 * sum(visits)) / 100.0 END"
    ),
}


@dataclass
class Params:
    """The parameters of one statement: each value gets a placeholder of its own."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> sql.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return sql.Placeholder(name)


@dataclass(frozen=True)
class Statement:
    sql: sql.Composed
    params: dict[str, Any]
    dimensions: tuple[Dimension, ...]
    # PostgreSQL settings for this statement alone (name, value).
    settings: tuple[tuple[str, str], ...] = ()


# A statement reading at most one month's piece of whole stored days (besides today's) has
# PostgreSQL scan and filter it in parallel for the leader's per-visitor aggregation: at the
# default parallel_tuple_cost (0.1) it reads alone (a month's filtered breakdown 446 -> 314 ms,
# bench/query.py). Not with more pieces: the planner would then prefer that to counting whole
# pieces in parallel, which is faster (12 months 1.7 -> 2.3 s at this cost).
ONE_PIECE_SETTINGS = (("parallel_tuple_cost", "0.01"),)


# --- Values of dimensions ------------------------------------------------------------------------


def _labelled(dimension: Dimension, column: sql.Composable) -> sql.Composable:
    """The label of a coded column (constants of our own code), else the column as text."""
    if not dimension.labels:
        return column
    cases = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}").format(sql.Literal(code), sql.Literal(label))
        for code, label in dimension.labels
    )
    return sql.SQL("(CASE {} {} END)").format(column, cases)


def dimension_value(dimension: Dimension, params: Params) -> sql.Composable:
    """The value of a visit dimension on session `v`, or of an event dimension on event `e`."""
    if dimension.level == "visit":
        return _labelled(dimension, sql.SQL("v.{}").format(sql.Identifier(dimension.column)))
    if dimension.prop_key is not None:
        return sql.SQL("(e.properties ->> {})").format(params.add(dimension.prop_key))
    if dimension.name == "event:name":
        return sql.SQL("(CASE WHEN e.event_type = {} THEN e.event_name END)").format(
            sql.Literal(CUSTOM)
        )
    return _labelled(dimension, sql.SQL("e.{}").format(sql.Identifier(dimension.column)))


def bucket_value(query: Query, instant: sql.Composable, params: Params) -> sql.Composable:
    """The bucket of the query's time dimension: for an hour, the UTC instant of the local wall
    hour at the instant's own offset (a fall-back hour is two buckets); for longer buckets, the
    first local date of the bucket inside the range. Sessions hold one local day (`v.day`)."""
    zone = params.add(query.timezone)
    if query.interval == "hour":
        local = sql.SQL("({} AT TIME ZONE {})").format(instant, zone)
        offset = sql.SQL("({} - ({} AT TIME ZONE 'UTC'))").format(local, instant)
        return sql.SQL("((date_trunc('hour', {}) - {}) AT TIME ZONE 'UTC')").format(local, offset)
    if query.interval == "day":
        return sql.SQL("v.day")
    return sql.SQL("greatest(date_trunc({}, v.day)::date, {}::date)").format(
        sql.Literal(query.interval), params.add(query.date_range.start)
    )


# --- Filters -------------------------------------------------------------------------------------


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def leaf_holds(leaf: Leaf, value: sql.Composable, params: Params) -> sql.Composable:
    """Whether `value` matches the leaf: never null (a null value matches only a listed null)."""
    texts = [v for v in leaf.values if v is not None]
    lower = not leaf.case_sensitive
    subject = sql.SQL("lower({})").format(value) if lower else value
    op = leaf.op.removesuffix("_not")
    if op == "is":
        wanted = [text.lower() for text in texts] if lower else texts
        holds = sql.SQL("coalesce({} = ANY({}::text[]), false)").format(subject, params.add(wanted))
        if None in leaf.values:
            holds = sql.SQL("({} OR {} IS NULL)").format(holds, value)
    elif op == "contains":
        patterns = [f"%{_like_escaped(text.lower() if lower else text)}%" for text in texts]
        holds = sql.SQL("coalesce({} LIKE ANY({}::text[]), false)").format(
            subject, params.add(patterns)
        )
    else:  # matches: PostgreSQL regular expressions
        operator = sql.SQL("~*" if lower else "~")
        holds = sql.SQL("coalesce({} {} ANY({}::text[]), false)").format(
            value, operator, params.add(texts)
        )
    return sql.SQL("(NOT {})").format(holds) if leaf.op.endswith("_not") else holds


# The session column listing what its page views viewed, per dimension.
VIEWED_COLUMNS = {"event:page": "viewed_paths", "event:content_group": "viewed_groups"}


def event_leaf_in_session(leaf: Leaf, params: Params) -> sql.Composable:
    """Whether session `v` holds an event matching the leaf (a page view, for page and group).

    `is` and `contains` on what a visit viewed read `viewed_paths` / `viewed_groups` (one text,
    each value between separators); the others look through the session's events.
    """
    if _viewed_text_serves(leaf):
        return _viewed_holds(leaf, VIEWED_COLUMNS[leaf.dimension.name], params)
    viewed = (
        sql.SQL("e.event_type = {} AND ").format(sql.Literal(PAGE_VIEW))
        if leaf.dimension.name in VIEWED
        else sql.SQL("")
    )
    return sql.SQL("EXISTS (SELECT FROM {} WHERE {}{})").format(
        events_of_session([leaf.dimension]),
        viewed,
        leaf_holds(leaf, dimension_value(leaf.dimension, params), params),
    )


def _viewed_text_serves(leaf: Leaf) -> bool:
    """Whether `viewed_paths` / `viewed_groups` decide the leaf for a session."""
    return (
        leaf.dimension.name in VIEWED and leaf.op in ("is", "contains") and None not in leaf.values
    )


def _viewed_holds(leaf: Leaf, column: str, params: Params) -> sql.Composable:
    texts = [value.lower() if not leaf.case_sensitive else value for value in leaf.values]
    edge = VIEWED_SEPARATOR if leaf.op == "is" else ""
    patterns = [f"%{edge}{_like_escaped(text)}{edge}%" for text in texts]
    subject = sql.SQL("v.{}").format(sql.Identifier(column))
    if not leaf.case_sensitive:
        subject = sql.SQL("lower({})").format(subject)
    return sql.SQL("coalesce({} LIKE ANY({}::text[]), false)").format(subject, params.add(patterns))


def _codes_serve(leaf: Leaf) -> bool:
    return bool(leaf.dimension.labels) and leaf.op in ("is", "is_not") and None not in leaf.values


def _codes_hold(leaf: Leaf, params: Params) -> sql.Composable:
    """`is` / `is_not` on a coded column (never null), compared as codes: no label per row."""
    fold = (lambda text: text) if leaf.case_sensitive else str.lower
    wanted = {fold(value) for value in leaf.values}
    codes = [code for code, label in leaf.dimension.labels if fold(label) in wanted]
    column = sql.Identifier(leaf.dimension.column)
    holds = sql.SQL("v.{} = ANY({})").format(column, params.add(codes))
    return sql.SQL("(NOT {})").format(holds) if leaf.op == "is_not" else holds


def session_holds(node: Filter, params: Params) -> sql.Composable:
    """A filter decided per session (compounds, and the leaves inside them)."""
    if isinstance(node, Leaf):
        if node.dimension.level == "visit" and _codes_serve(node):
            return _codes_hold(node, params)
        if node.dimension.level == "visit":
            return leaf_holds(node, dimension_value(node.dimension, params), params)
        return event_leaf_in_session(node, params)
    if isinstance(node, Not):
        return sql.SQL("(NOT {})").format(session_holds(node.item, params))
    joiner = sql.SQL(" AND " if isinstance(node, And) else " OR ")
    assert isinstance(node, And | Or)
    return sql.SQL("({})").format(joiner.join(session_holds(item, params) for item in node.items))


def _all(conditions: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")


def sessions_kept(filters: Sequence[Filter], params: Params) -> sql.Composable:
    """Whether session `v` passes every filter, each decided per session, a top-level event leaf
    too (as inside a compound): the funnel and realtime keep visits, never single events."""
    return _all([session_holds(node, params) for node in filters])


# --- The statement -------------------------------------------------------------------------------


def day_pieces(runs: Sequence[DayRun]) -> list[tuple[DayRun, ...]]:
    """The days of `runs` by month, each as runs of days: the pieces a statement reads its
    stored sessions in. A piece reads its own partition (the stored sessions' partitions are
    months), and counts its visitors on its own (a visitor is one per local day), with a hash
    table of a month's visitors at most; PostgreSQL can count the pieces in parallel. (Pieces
    of part of a month would each scan the whole partition where one site fills it.)"""
    days = sorted(day for run in runs for day in _days_of(run))
    return [day_runs(month) for _, month in groupby(days, key=lambda day: (day.year, day.month))]


def _days_of(run: DayRun) -> list[date]:
    first, last = run
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class SessionsSource:
    """The CTEs of a statement's sessions (`sessions_source`): `ctes` defines `sessions`, every
    one of them, and the pieces it is the union of: `stored`, the names of CTEs of stored
    sessions by pieces of days (`day_pieces`), and `live`, that of the live ones."""

    ctes: sql.Composable
    stored: tuple[str, ...]
    live: str = "live_sessions"
    months: int = 0  # of the pieces, those of whole stored days (the others: days in part)


def sessions_source(
    *,
    query: Query,
    days: DaySplit,
    events: bool,
    params: Params,
    rows_in_part: Sequence[date] = (),
) -> SessionsSource:
    """The CTEs `live` and `sessions`: the sessions of the days, stored rows of stored days and
    live rows of the others; with their events' arrays when `events` (stored apart: joined only
    then). `sessions` is the union of `stored_0`… (the stored ones, by pieces of days) and
    `live_sessions`, which are CTEs too.

    Both are the definitions of `aggregation.sessions`, whose parameters have fixed names: their
    values join this statement's under those names. Days stored in part read their stored
    sessions and, live, the events after them; but those of `rows_in_part`, whose stored part
    is read from day rows, are not in `sessions`: `touched` holds every session of their
    visitors seen live, stored or live, and `touched_stored` the stored ones of those
    (`stats.planner`).
    """
    in_rows = set(rows_in_part)
    pieces = day_pieces(days.rollup)
    # Days stored in part (today) are a piece of their own, whose sessions' events are found by
    # the index: their partition's statistics may not know them yet.
    in_part = day_runs(day for day in days.partial if day not in in_rows)
    by_index = [False] * len(pieces) + [True] * bool(in_part)
    pieces += [in_part] if in_part else []
    runs = [run for piece in pieces for run in piece]
    touched = [(day, day) for day in days.partial if day in in_rows]
    params.values.update(
        {
            **SQL_CONSTANTS,
            **{
                key: value
                for key, value in days.args().items()
                if key.startswith(("raw_", "partial_"))
            },
            **{
                f"stored_{end}_{n}": day
                for n, run in enumerate([*runs, *touched])
                for end, day in zip(("from", "to"), run, strict=True)
            },
            "time_zone": query.timezone,
            "website_id": query.website_id,
            "include_bots": query.include_bots,
        }
    )
    live = session_rows_sql(raw_ranges=len(days.raw), partial_ranges=len(days.partial))
    columns = (*SESSION_COLUMNS, *(EVENT_ARRAYS if events else ()))
    listed = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    stored_names = tuple(f"stored_{n}" for n in range(len(pieces)))
    first = [sum(len(piece) for piece in pieces[:n]) for n in range(len(pieces))]
    in_rows_days = params.add(sorted(in_rows)) if touched else None
    # The live sessions are computed once (every part may read them); the stored ones are read
    # where each part reads them, rather than copied. Our constant texts, values placeholders.
    ctes = [
        sql.SQL("live AS MATERIALIZED ({})").format(sql.SQL(live)),
        *(
            sql.SQL("{} AS NOT MATERIALIZED ({})").format(
                sql.Identifier(name),
                sql.SQL(
                    stored_sessions_sql(
                        runs=len(piece),
                        events=events,
                        first=at,
                        events_by_index=indexed,
                    )
                ),
            )
            for name, piece, at, indexed in zip(stored_names, pieces, first, by_index, strict=True)
        ),
        sql.SQL("live_sessions AS NOT MATERIALIZED (SELECT {} FROM live {})").format(
            listed,
            sql.SQL("WHERE day <> ALL({}::date[])").format(in_rows_days)
            if touched
            else sql.SQL(""),
        ),
        sql.SQL("sessions AS NOT MATERIALIZED ({})").format(
            sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT * FROM {}").format(sql.Identifier(name))
                for name in (*stored_names, "live_sessions")
            )
        ),
    ]
    if touched:
        # `OFFSET 0` keeps the lateral subquery from being pulled up into a join, which a day's
        # partition without statistics yet would have PostgreSQL run as a rescan of the whole
        # day per visitor: as it is, each visitor's sessions are found by the index.
        ctes.append(
            sql.SQL(
                "touched_stored AS NOT MATERIALIZED (SELECT stored.* FROM"
                " (SELECT DISTINCT day, ip_hash, is_bot FROM live"
                " WHERE day = ANY({in_rows}::date[])) AS seen"
                " CROSS JOIN LATERAL ({stored} OFFSET 0) AS stored), "
                "touched AS NOT MATERIALIZED (SELECT * FROM touched_stored UNION ALL"
                " SELECT {listed} FROM live WHERE day = ANY({in_rows}::date[]))"
            ).format(
                stored=sql.SQL(
                    stored_sessions_sql(
                        runs=len(touched), events=events, first=len(runs), of_visitor="seen"
                    )
                ),
                in_rows=in_rows_days,
                listed=listed,
            )
        )
    return SessionsSource(
        ctes=sql.SQL(", ").join(ctes), stored=stored_names, months=by_index.count(False)
    )


@dataclass(frozen=True)
class Parts:
    """What a query counts of the sessions: the `kept` sessions, and the parts that count them
    (each a `SELECT` of d0… and `PART_COLUMNS`)."""

    kept: sql.Composable
    parts: list[sql.Composable]


def _leaves(query: Query, level: str) -> list[Leaf]:
    """The top-level filter leaves of the query on dimensions of `level`."""
    return [f for f in query.filters if isinstance(f, Leaf) and f.dimension.level == level]


def parts_read_events(query: Query) -> bool:
    """Whether the parts of `query` look through the sessions' events (stored apart from the
    sessions: joined only then)."""
    metrics = {metric.name for metric in query.metrics}
    event_dims = [d for d in query.dimensions if d.level == "event"]
    event_leaves = _leaves(query, "event")
    events = any(
        leaf.dimension.level == "event" and not _viewed_text_serves(leaf)
        for node in query.filters
        for leaf in filter_leaves(node)
    )
    if metrics & VISIT_METRICS and event_dims:
        events |= not _viewed_list_serves(event_dims, event_leaves)
    if metrics & EVENT_METRICS:
        events |= not _session_counts_serve(query, event_dims, event_leaves)
    return events


def query_parts(query: Query, params: Params, *, sessions: str, kept: str) -> Parts:
    """The parts of `query` over the CTE `sessions`: its visit part and its event part, which
    read the sessions its filters keep from the CTE `kept` (`Parts.kept` defines it); they read
    the sessions' events if `parts_read_events`."""
    visit_leaves = _leaves(query, "visit")
    event_leaves = _leaves(query, "event")
    compounds = [f for f in query.filters if not isinstance(f, Leaf)]
    metrics = {metric.name for metric in query.metrics}
    dims = query.dimensions
    event_dims = [d for d in dims if d.level == "event"]
    own_counts = _session_counts_serve(query, event_dims, event_leaves)
    kept_sessions = sql.SQL("SELECT * FROM {} v WHERE {}").format(
        sql.Identifier(sessions),
        _all([session_holds(node, params) for node in (*visit_leaves, *compounds)]),
    )
    source = sql.Identifier(kept)
    parts = []
    if metrics & VISIT_METRICS and metrics & EVENT_METRICS and own_counts:
        # The sessions' own counts are summed in the visit part's one pass over them.
        parts.append(_visit_part(query, dims, event_leaves, params, source, own_counts=metrics))
        return Parts(kept=kept_sessions, parts=parts)
    if metrics & VISIT_METRICS:
        parts.append(_visit_part(query, dims, event_leaves, params, source))
    if metrics & EVENT_METRICS:
        parts.append(_event_part(query, dims, event_leaves, metrics, own_counts, params, source))
    return Parts(kept=kept_sessions, parts=parts)


def query_statement(
    *, query: Query, days: DaySplit, paginate: bool, table: TableRead | None = None
) -> Statement:
    """The statement answering `query` over the days of `days` (its range, or a comparison
    query's) and, with `table`, over the day rows of `table.days` (`stats.planner`): one row
    per combination of dimension values, the dimensions then the metrics, then the total row
    count, ordered; `paginate`: only the query's page of rows."""
    params = Params()
    dims = query.dimensions
    names = [sql.Identifier(f"d{index}") for index in range(len(dims))]
    source = sessions_source(
        query=query,
        days=days,
        events=parts_read_events(query),
        params=params,
        rows_in_part=table.partial if table is not None else (),
    )
    kept = []

    def counted_over(sessions: str) -> list[sql.Composable]:
        counted = query_parts(query, params, sessions=sessions, kept=f"{sessions}_kept")
        kept.append(
            sql.SQL("{} AS NOT MATERIALIZED ({})").format(
                sql.Identifier(f"{sessions}_kept"), counted.kept
            )
        )
        return counted.parts

    # The pieces of stored days are summed on their own: in a union with the parts reading the
    # live sessions' CTE, which no parallel worker may read, they would be counted one by one.
    stored_parts = [part for name in source.stored for part in counted_over(name)]
    parts = [parts_summed(stored_parts, names)] if stored_parts else []
    parts += counted_over(source.live)
    if table is not None:
        parts.append(_table_part(query, table, params))
    if table is not None and table.partial:
        # The days stored in part: their rows, plus the sums over every session of their
        # visitors seen live, less those over these visitors' stored sessions (`stats.planner`).
        parts += counted_over("touched")
        parts += [_negated(part, names) for part in counted_over("touched_stored")]
    measures = [sql.Identifier(f"m{index}") for index in range(len(query.metrics))]
    selected = [
        *names,
        *(
            sql.SQL("{} AS {}").format(METRIC_SQL[metric.name], measure)
            for metric, measure in zip(query.metrics, measures, strict=True)
        ),
    ]
    if paginate:
        page = sql.SQL("position > {offset} AND position <= {offset} + {limit}").format(
            offset=params.add(query.offset), limit=params.add(query.limit)
        )
    else:
        page = sql.SQL("true")
    # The page of rows, and the count of them all: also when the page is past the last row.
    statement = sql.SQL(
        "WITH {sessions}, {kept}, "
        "result AS (SELECT {selected} FROM ({parts}) AS parts {group}), "
        "ranked AS (SELECT *, row_number() OVER (ORDER BY {order}) AS position FROM result) "
        "SELECT {columns}, total.rows FROM (SELECT count(*) AS rows FROM result) AS total "
        "LEFT JOIN LATERAL (SELECT * FROM ranked WHERE {page}) AS page ON true "
        "ORDER BY page.position"
    ).format(
        sessions=source.ctes,
        kept=sql.SQL(", ").join(kept),
        selected=sql.SQL(", ").join(selected),
        parts=sql.SQL(" UNION ALL ").join(parts),
        group=sql.SQL("GROUP BY {}").format(sql.SQL(", ").join(names)) if dims else sql.SQL(""),
        order=_order(query, names, measures),
        columns=sql.SQL(", ").join(
            sql.SQL("page.{}").format(column)
            for column in (*names, *measures, sql.Identifier("position"))
        ),
        page=page,
    )
    settings = ONE_PIECE_SETTINGS if source.months <= 1 else ()
    return Statement(statement, params.values, dims, settings)


PART_COLUMNS = ("visits", "visitors", "bounces", "duration_us", "pageviews", "events")


def parts_summed(
    parts: list[sql.Composable],
    names: Sequence[sql.Identifier],
    columns: Sequence[str] = PART_COLUMNS,
) -> sql.Composable:
    """The parts (each a `SELECT` of `names` then `columns`) summed into one, per combination
    of the values `names`."""
    return sql.SQL("SELECT {} FROM ({}) AS summed {}").format(
        sql.SQL(", ").join(
            [*names, *(sql.SQL("sum({0}) AS {0}").format(sql.Identifier(c)) for c in columns)]
        ),
        sql.SQL(" UNION ALL ").join(parts),
        sql.SQL("GROUP BY {}").format(sql.SQL(", ").join(names)) if names else sql.SQL(""),
    )


def _negated(part: sql.Composable, names: list[sql.Identifier]) -> sql.Composable:
    """A part with its sums negated: taken off the others' when they are summed."""
    return sql.SQL("SELECT {} FROM ({}) AS taken").format(
        sql.SQL(", ").join(
            [
                *names,
                *(sql.SQL("-{0} AS {0}").format(sql.Identifier(c)) for c in PART_COLUMNS),
            ]
        ),
        part,
    )


def _visit_part(query, dims, event_leaves, params, kept, own_counts=None) -> sql.Composable:
    """Visits (kept sessions with a page view and, per top-level event leaf, a matching event)
    per combination of values: visits, visitors, bounces and durations. With `own_counts` (the
    query's metrics, where the event part would be the sessions' own counts): also the page
    views and events of the kept sessions that part reads (`_event_part`), every session with
    `events` asked, in the same pass; visits, visitors, bounces and durations then still count
    only the sessions with a page view."""
    event_dims = [d for d in dims if d.level == "event"]
    values = []
    for index, dimension in enumerate(dims):
        if dimension.level == "event":
            values.append(sql.Identifier("qualified", f"d{index}"))
        elif dimension.level == "time":
            instant = sql.SQL("v.started_at")
            values.append(bucket_value(query, instant, params))
        else:
            values.append(dimension_value(dimension, params))
    visit = sql.SQL("v.pageviews > 0")
    conditions = [visit] if own_counts is None or "events" not in own_counts else []
    # With an event dimension, a visit's rows come from its events that match every top-level
    # event leaf (`qualified` below): each row holds such an event already, but for a leaf on
    # what a visit viewed, which a page view must match.
    conditions += [
        event_leaf_in_session(leaf, params)
        for leaf in event_leaves
        if not event_dims or leaf.dimension.name in VIEWED
    ]
    source = sql.SQL("{} v").format(kept)
    if _viewed_list_serves(event_dims, event_leaves):
        # Pages alone, filtered on pages only: a visit's values are the distinct paths it
        # viewed, listed in one text; no need to unnest its events.
        (dimension,) = event_dims
        holds = [leaf_holds(leaf, sql.SQL("qualified.value"), params) for leaf in event_leaves]
        source = sql.SQL(
            "{kept} v CROSS JOIN LATERAL (SELECT value AS {name} FROM"
            " unnest(string_to_array(trim(both chr(31) from v.{column}), chr(31))) AS"
            " qualified(value) WHERE {holds}) AS qualified"
        ).format(
            kept=kept,
            name=sql.Identifier(f"d{dims.index(dimension)}"),
            column=sql.Identifier(VIEWED_COLUMNS[dimension.name]),
            holds=_all(holds),
        )
    elif event_dims:
        viewed = any(d.name in VIEWED for d in event_dims)
        qualifying = [
            leaf_holds(leaf, dimension_value(leaf.dimension, params), params)
            for leaf in event_leaves
        ]
        if viewed:
            qualifying.append(sql.SQL("e.event_type = {}").format(sql.Literal(PAGE_VIEW)))
        source = sql.SQL(
            "{} v CROSS JOIN LATERAL (SELECT DISTINCT {} FROM {} WHERE {}) AS qualified"
        ).format(
            kept,
            sql.SQL(", ").join(
                sql.SQL("{} AS {}").format(
                    dimension_value(dimension, params), sql.Identifier(f"d{dims.index(dimension)}")
                )
                for dimension in event_dims
            ),
            events_of_session([*event_dims, *(leaf.dimension for leaf in event_leaves)]),
            _all(qualifying),
        )
    # Per visitor (local day, hash, bot verdict) first, then per row: `visitors` is a count of
    # the first level's groups with a visit, two hash aggregations instead of a sort for
    # count(DISTINCT …).
    names = [sql.Identifier(f"d{index}") for index in range(len(dims))]
    per_visitor_counts = [
        sql.SQL("count(*) FILTER (WHERE {}) AS visits").format(visit),
        sql.SQL("count(*) FILTER (WHERE v.pageviews = 1) AS bounces"),
        sql.SQL("coalesce(sum(v.duration_us) FILTER (WHERE {}), 0) AS duration_us").format(visit),
    ]
    counts = {
        "visits": sql.SQL("sum(visits)"),
        "visitors": sql.SQL("count(*) FILTER (WHERE visits > 0)"),
        "bounces": sql.SQL("sum(bounces)"),
        "duration_us": sql.SQL("sum(duration_us)"),
    }
    if own_counts is not None:
        per_visitor_counts += [
            sql.SQL("sum(v.pageviews) AS pageviews"),
            sql.SQL("sum(v.events) AS events"),
        ]
        counts.update(pageviews=sql.SQL("sum(pageviews)"), events=sql.SQL("sum(events)"))
    per_visitor = sql.SQL(
        "SELECT {values}, {counts} FROM {source} WHERE {conditions} GROUP BY {keys}"
    ).format(
        counts=sql.SQL(", ").join(per_visitor_counts),
        values=sql.SQL(", ").join(
            [
                *(sql.SQL("{} AS {}").format(v, n) for v, n in zip(values, names, strict=True)),
                sql.SQL("v.day, v.ip_hash, v.is_bot"),
            ]
        ),
        source=source,
        conditions=_all(conditions),
        # The visitor first: where the groups are sorted, its fixed-size keys decide nearly
        # every comparison, rather than values compared by their collation.
        keys=sql.SQL(", ").join(
            [
                sql.SQL("v.day, v.ip_hash, v.is_bot"),
                *(sql.SQL(str(index + 1)) for index in range(len(dims))),
            ]
        ),
    )
    return _grouped(
        names,
        counts,
        sql.SQL(
            "({}) AS visitor",
        ).format(per_visitor),
        [],
        dims,
    )


def _viewed_list_serves(event_dims: list[Dimension], event_leaves: list[Leaf]) -> bool:
    """Whether the viewed paths alone give a visit's values (`event:page` only: a page view
    always has a path, while a missing group is a value `viewed_groups` cannot list)."""
    return (
        len(event_dims) == 1
        and event_dims[0].name == "event:page"
        and all(leaf.dimension == event_dims[0] for leaf in event_leaves)
    )


def _session_counts_serve(query: Query, event_dims: list[Dimension], event_leaves) -> bool:
    """Whether the event metrics are the kept sessions' own counts: no event-level dimension
    or top-level event filter, and buckets of a day or more (a session holds one local day)."""
    return not event_dims and not event_leaves and query.interval != "hour"


def _event_part(query, dims, event_leaves, metrics, own_counts, params, kept) -> sql.Composable:
    """The kept sessions' events matching every top-level event leaf (page views only, unless
    `events` is asked) per combination of values: pageviews and events; `own_counts`: the
    sessions' counts of them instead (`_session_counts_serve`)."""
    if own_counts:
        values = [
            bucket_value(query, sql.SQL("v.started_at"), params)
            if dimension.level == "time"
            else dimension_value(dimension, params)
            for dimension in dims
        ]
        counts = {"pageviews": sql.SQL("sum(v.pageviews)"), "events": sql.SQL("sum(v.events)")}
        # As below: the rows are those of the events counted (page views only, unless `events`).
        read = [] if "events" in metrics else [sql.SQL("v.pageviews > 0")]
        return _grouped(values, counts, sql.SQL("{} v").format(kept), read, dims)
    values = []
    for dimension in dims:
        if dimension.level == "time":
            values.append(bucket_value(query, sql.SQL("e.timestamp"), params))
        else:
            values.append(dimension_value(dimension, params))
    conditions = [
        leaf_holds(leaf, dimension_value(leaf.dimension, params), params) for leaf in event_leaves
    ]
    if "events" not in metrics:
        conditions.append(sql.SQL("e.event_type = {}").format(sql.Literal(PAGE_VIEW)))
    counts = {
        "pageviews": sql.SQL("count(*) FILTER (WHERE e.event_type = {})").format(
            sql.Literal(PAGE_VIEW)
        ),
        "events": sql.SQL("count(*)"),
    }
    source = sql.SQL("{} v CROSS JOIN LATERAL {}").format(
        kept,
        events_of_session(
            [*dims, *(leaf.dimension for leaf in event_leaves)],
            timestamps=query.interval == "hour",
        ),
    )
    return _grouped(values, counts, source, conditions, dims)


def _grouped(values, counts, source, conditions, dims) -> sql.Composable:
    """`SELECT` the values as d0… and every part column (0 where `counts` has none), grouped."""
    selected = [
        sql.SQL("{} AS {}").format(value, sql.Identifier(f"d{index}"))
        for index, value in enumerate(values)
    ]
    selected += [
        sql.SQL("{} AS {}").format(counts.get(column, sql.SQL("0")), sql.Identifier(column))
        for column in PART_COLUMNS
    ]
    group = (
        sql.SQL(" GROUP BY {}").format(
            sql.SQL(", ").join(sql.SQL(str(index + 1)) for index in range(len(dims)))
        )
        if dims
        else sql.SQL("")
    )
    return sql.SQL("SELECT {} FROM {} WHERE {}{}").format(
        sql.SQL(", ").join(selected), source, _all(conditions), group
    )


# --- Day rows (`stats.models.DayDimension`) -------------------------------------------------

# Pseudo-dimensions of the sessions, grouped by like visit dimensions (a session holds one local
# day and one bot verdict) when day rows are computed: rows per day and per verdict, so that a
# range adds its days and include_bots=true adds both verdicts (a visitor's sessions share one).
SESSION_DAY = Dimension(name="session:day", level="visit", description="", column="day")
SESSION_BOT = Dimension(name="session:is_bot", level="visit", description="", column="is_bot")
DAY_ROWS = DayDimension._meta.db_table


def dimension_sums_statement(
    *,
    query: Query,
    sessions: sql.Composable,
    with_events: sql.Composable,
    dimensions: Sequence[str],
) -> Statement:
    """The day rows of `dimensions` (`stats.planner.TABLE_DIMENSIONS`) over the relations
    `sessions` and `with_events`, the same stored sessions without and with their events'
    arrays (as `aggregation.sessions.stored_sessions_sql` reads them): for each dimension,
    the parts of `query` grouped by it, the session's day and its bot verdict, with every
    metric (so both parts, every event) and no filter, summed per row as `query_statement` sums
    them before deriving the metrics. Columns: dimension, value (text: an hour as the UTC
    instant of its key, ISO), day, is_bot, then `PART_COLUMNS`. `query` gives the time zone
    (of the hours).

    A dimension whose parts never look at the events (`parts_read_events`) reads `sessions`:
    its scans then skip the arrays, most of a session row's bytes."""
    params = Params()
    selects = []
    for name in dimensions:
        grouped = () if name == TOTAL else (dimension_get(name),)
        by = replace(
            query,
            dimensions=(*grouped, SESSION_DAY, SESSION_BOT),
            metrics=tuple(METRICS.values()),
            filters=(),
            include_bots=True,
        )
        if parts_read_events(by):
            counted = query_parts(by, params, sessions="event_sessions", kept="event_kept")
        else:
            counted = query_parts(by, params, sessions="sessions", kept="kept")
        names = [sql.Identifier(f"d{index}") for index in range(len(by.dimensions))]
        if name == TOTAL:
            value = sql.SQL("NULL::text")
        elif name == HOUR:
            value = sql.SQL("""to_char(d0 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""")
        else:
            value = sql.SQL("d0::text")
        selects.append(
            sql.SQL(
                "SELECT {name} AS dimension, {value} AS value, {day} AS day, {bot} AS is_bot,"
                " {sums} FROM ({parts}) AS parts GROUP BY {group}"
            ).format(
                name=sql.Literal(name),
                value=value,
                day=names[-2],
                bot=names[-1],
                sums=sql.SQL(", ").join(
                    sql.SQL("sum({0}) AS {0}").format(sql.Identifier(column))
                    for column in PART_COLUMNS
                ),
                parts=sql.SQL(" UNION ALL ").join(counted.parts),
                group=sql.SQL(", ").join(names),
            )
        )
    statement = sql.SQL(
        "WITH sessions AS NOT MATERIALIZED (SELECT * FROM {sessions}),"
        " kept AS NOT MATERIALIZED (SELECT * FROM sessions v),"
        " event_sessions AS NOT MATERIALIZED (SELECT * FROM {with_events}),"
        " event_kept AS NOT MATERIALIZED (SELECT * FROM event_sessions v) {selects}"
    ).format(
        sessions=sessions, with_events=with_events, selects=sql.SQL(" UNION ALL ").join(selects)
    )
    return Statement(statement, params.values, ())


def _table_part(query: Query, table: TableRead, params: Params) -> sql.Composable:
    """The day rows of `table` as a part of `query`: their sums under the query's dimension
    values, kept by its filters (all on the rows' dimension: decided by their value), and only
    those that hold a row of the query's own parts (`_row_read`)."""
    values = []
    for dimension in query.dimensions:
        if dimension.level != "time":
            values.append(sql.SQL("v.value"))
        elif query.interval == "hour":
            values.append(sql.SQL("v.value::timestamptz"))
        else:  # the bucket of the row's day (`v.day`)
            values.append(bucket_value(query, sql.SQL("NULL"), params))
    bots = [False, True] if query.include_bots else [False]
    conditions = [
        sql.SQL("v.website_id = {}").format(params.add(query.website_id)),
        sql.SQL("v.dimension = {}").format(params.add(table.dimension)),
        sql.SQL("v.is_bot = ANY({}::boolean[])").format(params.add(bots)),
        sql.SQL("v.day = ANY({}::date[])").format(params.add(list(table.days))),
        *(_value_holds(node, sql.SQL("v.value"), params) for node in query.filters),
        _row_read(query),
    ]
    selected = [
        *(
            sql.SQL("{} AS {}").format(value, sql.Identifier(f"d{index}"))
            for index, value in enumerate(values)
        ),
        *(sql.SQL("v.{0} AS {0}").format(sql.Identifier(column)) for column in PART_COLUMNS),
    ]
    return sql.SQL("SELECT {} FROM {} v WHERE {}").format(
        sql.SQL(", ").join(selected), sql.Identifier(DAY_ROWS), _all(conditions)
    )


def _value_holds(node: Filter, value: sql.Composable, params: Params) -> sql.Composable:
    """A filter on one dimension, decided by that dimension's `value` (`stats.planner`)."""
    if isinstance(node, Leaf):
        return leaf_holds(node, value, params)
    if isinstance(node, Not):
        return sql.SQL("(NOT {})").format(_value_holds(node.item, value, params))
    assert isinstance(node, And | Or)
    joiner = sql.SQL(" AND " if isinstance(node, And) else " OR ")
    return sql.SQL("({})").format(
        joiner.join(_value_holds(item, value, params) for item in node.items)
    )


def _row_read(query: Query) -> sql.Composable:
    """Whether a day row `v` holds a row of the query's parts: a visit, for visit metrics; an
    event they count, for event metrics (page views only, unless `events` is asked)."""
    metrics = {metric.name for metric in query.metrics}
    read = []
    if metrics & VISIT_METRICS:
        read.append(sql.SQL("v.visits > 0"))
    if metrics & EVENT_METRICS:
        read.append(sql.SQL("v.events > 0" if "events" in metrics else "v.pageviews > 0"))
    return sql.SQL("({})").format(sql.SQL(" OR ").join(read))


def _order(
    query: Query, names: list[sql.Identifier], measures: list[sql.Identifier]
) -> sql.Composable:
    """The query's order, then every dimension ascending (nulls first, text by code point)."""
    positions = {dimension.name: index for index, dimension in enumerate(query.dimensions)}
    metric_positions = {m.name: index for index, m in enumerate(query.metrics)}
    terms = []
    for name, direction in query.order_by:
        descending = direction == "desc"
        if name in metric_positions:
            terms.append(
                sql.SQL("{} {}").format(
                    measures[metric_positions[name]], sql.SQL("DESC" if descending else "ASC")
                )
            )
        else:
            terms.append(
                _dimension_order(
                    query.dimensions[positions[name]], names[positions[name]], descending
                )
            )
    terms += [
        _dimension_order(dimension, name, False)
        for dimension, name in zip(query.dimensions, names, strict=True)
    ]
    return sql.SQL(", ").join(terms) if terms else sql.SQL("true")


def _dimension_order(
    dimension: Dimension, name: sql.Identifier, descending: bool
) -> sql.Composable:
    collated = (
        sql.SQL("{}").format(name)
        if dimension.level == "time"
        else sql.SQL('{} COLLATE "C"').format(name)
    )
    return sql.SQL("{} {}").format(
        collated, sql.SQL("DESC NULLS LAST" if descending else "ASC NULLS FIRST")
    )
