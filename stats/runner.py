"""Runs a `Query`: its statement over its days (and its comparison's), rows as the API shows them.

Where each day is read is decided by the day split and the planner (`stats.planner`): the day
rows of one dimension for the stored days that have them when the query fits them, the stored
sessions of the other stored days, the raw events of the rest (today, stale days) by the same
definition, in one statement (`stats.builder`). Time buckets and their labels come from
`stats.time`, so every row, and `meta.time_labels`, agree on where a bucket begins.
"""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection
from psycopg import sql

from aggregation.selectors import day_split
from stats.builder import Statement, query_statement
from stats.metrics import change_pct
from stats.planner import query_plan
from stats.query import Query
from stats.time import Bucket, DateRange, buckets
from websites.models import Website


def query_run(*, website: Website, query: Query, paginate: bool = True) -> dict:
    """The answer's `data`: results (with their comparison), meta and the normalised query.

    `paginate=False` gives every row (CSV exports), in order.
    """
    labels = _time_labels(query, query.date_range)
    rows, total = _rows(website, query, paginate=paginate)
    results = [{"dimensions": dims, "metrics": metrics} for dims, metrics in rows]
    if query.comparison is not None:
        _compare(website, query, results, labels)
    meta = {"total_rows": total, "time_labels": [bucket.label for bucket in labels]}
    return {"results": results, "meta": meta, "query": query.as_json()}


def query_rows(*, website: Website, query: Query) -> Iterator[list]:
    """Every row of the query as a flat list (dimensions then metrics), for CSV."""
    for result in query_run(website=website, query=query, paginate=False)["results"]:
        yield [*result["dimensions"], *result["metrics"]]


def _rows(website: Website, query: Query, *, paginate: bool) -> tuple[list[tuple], int]:
    days = day_split(
        website=website,
        ranges=[(query.date_range.start, query.date_range.end)],
        sessions=True,
    )
    plan = query_plan(website=website, query=query, days=days)
    statement = query_statement(
        query=query, days=plan.sessions, table=plan.table, paginate=paginate
    )
    fetched = statement_fetch(statement)
    labels = {
        _bucket_key(query, bucket): bucket.label for bucket in _time_labels(query, query.date_range)
    }
    rows = []
    total = fetched[0][-1]
    for row in fetched:
        *row, position, _ = row
        if position is None:
            break  # no row in the page: only the count came
        dims = [
            _dimension_shown(query, dimension, value, labels)
            for dimension, value in zip(statement.dimensions, row, strict=False)
        ]
        metrics = [
            _metric_shown(metric, value)
            for metric, value in zip(query.metrics, row[len(statement.dimensions) :], strict=False)
        ]
        rows.append((dims, metrics))
    return rows, total


def statement_fetch(statement: Statement) -> list[tuple]:
    """The statement's rows, under its own settings: in the same round trip (Django's
    client-side binding sends the statements as one query), set for its transaction (`SET
    LOCAL`: taken back with it if the statement fails), then reset to the session's own values
    (an enclosing transaction's later statements run without them)."""
    sets = [
        sql.SQL("SET LOCAL {} = {}").format(sql.Identifier(name), sql.Literal(value))
        for name, value in statement.settings
    ]
    resets = [sql.SQL("RESET {}").format(sql.Identifier(name)) for name, _ in statement.settings]
    with connection.cursor() as cursor:
        text = sql.SQL("; ").join([*sets, statement.sql, *resets])
        cursor.execute(text.as_string(cursor.connection), statement.params)
        for _ in sets:
            cursor.nextset()
        return cursor.fetchall()


def _time_labels(query: Query, days: DateRange) -> list[Bucket]:
    if query.interval is None:
        return []
    return buckets(days=days, interval=query.interval, tz=query.tz)


def _bucket_key(query: Query, bucket: Bucket):
    """What the statement returns for a bucket: the UTC instant of its local wall hour, or its
    first local date."""
    if query.interval == "hour":
        local = bucket.start.astimezone(query.tz)
        wall = local.replace(tzinfo=None)
        truncated = wall.replace(minute=0, second=0, microsecond=0)
        return bucket.start - (wall - truncated)
    return datetime.fromisoformat(bucket.label).date()


def _dimension_shown(query: Query, dimension, value, labels: dict) -> str | None:
    if dimension.level == "time":
        if query.interval == "hour":
            value = value.astimezone(UTC)
        return labels.get(value) or _unlisted_label(query, value)
    return None if value is None else str(value)


def _unlisted_label(query: Query, value) -> str:
    # A bucket the range's labels lack cannot come from rows inside the range; shown as is.
    if isinstance(value, datetime):
        return value.astimezone(query.tz).isoformat()
    return value.isoformat()


def _metric_shown(metric, value) -> int | float:
    if metric.type == "float":
        return float(value or Decimal(0))
    return int(value or 0)


def _compare(website: Website, query: Query, results: list[dict], labels: list[Bucket]) -> None:
    """Gives each result the same row over the comparison range (0 where absent there): the
    i-th time bucket faces the i-th, other dimensions by value."""
    previous_query = replace(query, date_range=query.comparison, limit=0, offset=0)
    previous_rows, _ = _rows(website, previous_query, paginate=False)
    previous_labels = [b.label for b in _time_labels(query, query.comparison)]
    time_index = next((i for i, d in enumerate(query.dimensions) if d.level == "time"), None)
    current_labels = [b.label for b in labels]

    def key(dims: list, bucket_labels: list[str]) -> tuple:
        if time_index is None:
            return tuple(dims)
        position = (
            bucket_labels.index(dims[time_index]) if dims[time_index] in bucket_labels else -1
        )
        return (*dims[:time_index], position, *dims[time_index + 1 :])

    previous = {key(dims, previous_labels): metrics for dims, metrics in previous_rows}
    zeros = [_metric_shown(metric, None) for metric in query.metrics]
    for result in results:
        before = previous.get(key(result["dimensions"], current_labels), zeros)
        result["comparison"] = {
            "metrics": before,
            "change": [
                change_pct(now, then) for now, then in zip(result["metrics"], before, strict=True)
            ],
        }
