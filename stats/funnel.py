"""The funnel: how many visits reach each of a list of steps, in order, over a query's days.

A step matches a page view of that path, a custom event of that name or an event of that type. A
visit reaches step N when it has events matching steps 1..N in that order, each strictly after
the one before: step N is reached at the first event matching it after the one that reached step
N-1 (greedy, which finds the furthest step any ordering of the visit's events could reach).

The visits are the query's sessions with a page view (`stats.builder.sessions_source`: stored
rows for the days whose sessions are stored, live rows for the others), kept by the query's
filters decided per visit (`stats.builder.sessions_kept`); their events are the sessions' arrays,
in the session's order (time, then id). `reports.reference.report_funnel` is the same definition
over raw events, which the tests compare this with.
"""

from collections.abc import Sequence

from psycopg import sql

from aggregation.selectors import DaySplit, day_split
from ingest.models import EventType
from stats.builder import Params, Statement, parts_summed, sessions_kept, sessions_source
from stats.query import Query
from stats.runner import statement_fetch
from websites.models import Website

PAGE_VIEW = EventType.PAGE_VIEW.value
CUSTOM = EventType.CUSTOM.value
EVENT_TYPE_CODES = {str(label): int(code) for code, label in EventType.choices}

# The events of session `v` with their position in it: the arrays are in the session's order,
# so the position breaks ties of time as the session does.
POSITIONED_EVENTS = sql.SQL(
    "unnest(v.event_types, v.event_paths, v.event_names) WITH ORDINALITY"
    " AS e(event_type, path, event_name, position)"
)


def _step_matches(step: str, params: Params) -> sql.Composable:
    """Whether event `e` matches the step."""
    value = params.add(step)
    matches = [
        sql.SQL("(e.event_type = {} AND e.path = {})").format(sql.Literal(PAGE_VIEW), value),
        sql.SQL("(e.event_type = {} AND e.event_name = {})").format(sql.Literal(CUSTOM), value),
    ]
    if step in EVENT_TYPE_CODES:
        matches.append(sql.SQL("e.event_type = {}").format(sql.Literal(EVENT_TYPE_CODES[step])))
    return sql.SQL("({})").format(sql.SQL(" OR ").join(matches))


def _step_held(step: str, params: Params) -> sql.Composable:
    """Whether session `v` may hold an event matching the step, read from its columns without
    unnesting its events (names of any type: a superset): a visit without step 1 reaches none."""
    value = params.add(step)
    held = [
        sql.SQL("strpos(v.viewed_paths, chr(31) || {} || chr(31)) > 0").format(value),
        sql.SQL("{} = ANY(v.event_names)").format(value),
    ]
    if step in EVENT_TYPE_CODES:
        held.append(sql.SQL("{} = ANY(v.event_types)").format(sql.Literal(EVENT_TYPE_CODES[step])))
    return sql.SQL("({})").format(sql.SQL(" OR ").join(held))


def funnel_statement(*, query: Query, days: DaySplit, steps: Sequence[str]) -> Statement:
    """One row: the count of kept visits reaching each step.

    Per visit, `f` holds the position of the first event matching step 1 and the positions of
    the events matching each later step; `r<N>` the position at which step N is reached (null:
    not reached)."""
    params = Params()
    positions = [
        sql.SQL("min(e.position) FILTER (WHERE {}) AS step_1").format(
            _step_matches(steps[0], params)
        )
    ]
    reached_at = [sql.SQL("f.step_1")]
    laterals = []
    for number, step in enumerate(steps[1:], start=2):
        candidates = sql.Identifier(f"step_{number}")
        reached = sql.Identifier(f"r{number}")
        positions.append(
            sql.SQL("array_agg(e.position) FILTER (WHERE {}) AS {}").format(
                _step_matches(step, params), candidates
            )
        )
        laterals.append(
            sql.SQL(
                "CROSS JOIN LATERAL (SELECT min(candidate) AS position"
                " FROM unnest(f.{}) AS candidate WHERE candidate > {}) AS {}"
            ).format(candidates, reached_at[-1], reached)
        )
        reached_at.append(sql.SQL("{}.position").format(reached))
    source = sessions_source(query=query, days=days, events=True, params=params)
    held = sql.SQL("v.pageviews > 0 AND {} AND {}").format(
        _step_held(steps[0], params), sessions_kept(query.filters, params)
    )
    steps_reached = [f"n{number}" for number in range(1, len(steps) + 1)]

    def counted(sessions: str) -> sql.Composable:
        return sql.SQL(
            "SELECT {counts} FROM (SELECT * FROM {sessions} v WHERE {held}) v"
            " CROSS JOIN LATERAL (SELECT {positions} FROM {events}) AS f {laterals}"
        ).format(
            counts=sql.SQL(", ").join(
                sql.SQL("count({}) AS {}").format(at, sql.Identifier(name))
                for at, name in zip(reached_at, steps_reached, strict=True)
            ),
            sessions=sql.Identifier(sessions),
            held=held,
            positions=sql.SQL(", ").join(positions),
            events=POSITIONED_EVENTS,
            laterals=sql.SQL(" ").join(laterals),
        )

    def summed(parts: list[sql.Composable]) -> sql.Composable:
        return parts_summed(parts, (), steps_reached)

    # Each piece of stored days counted on its own, summed apart from the live sessions: in
    # parallel, as the query engine counts them (`stats.builder.query_statement`).
    parts = [summed([counted(name) for name in source.stored])] if source.stored else []
    statement = sql.SQL("WITH {} {}").format(source.ctes, summed([*parts, counted(source.live)]))
    return Statement(statement, params.values, dimensions=())


def funnel_run(*, website: Website, query: Query, steps: Sequence[str]) -> list[int]:
    """The visits of the query's days, kept by its filters, that reach each step in order."""
    days = day_split(
        website=website,
        ranges=[(query.date_range.start, query.date_range.end)],
        sessions=True,
    )
    (reached,) = statement_fetch(funnel_statement(query=query, days=days, steps=steps))
    return [int(count) for count in reached]
