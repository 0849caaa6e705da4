"""The query: one body of `POST /api/v1/query`, parsed once into the immutable `Query`.

Two steps. `query_parse` checks a body on its own (types, names, bounds) into a `QueryInput`;
`query_build` resolves that for one website (its time zone's today, its first day) into the
`Query` that every read takes. Each refusal is a `QueryError` whose path names the part of the
body at fault (`metrics[2]`, `filters[0][2][1]`, `pagination.limit`), for the API's 400 answer.
"""

import re
from dataclasses import dataclass
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from analytics_site.calendar import zone
from analytics_site.text import UNSTORABLE_CHARACTERS
from stats.dimensions import Dimension, dimension_get
from stats.errors import QueryError, shown
from stats.filters import Filter, filter_as_json, filters_parse
from stats.metrics import METRICS, Metric
from stats.time import (
    COMPARES,
    MAX_HOUR_RANGE_DAYS,
    MAX_RANGE_YEARS,
    PERIODS,
    DateRange,
    add_years,
    comparison_resolve,
    period_resolve,
    range_instants,
)

__all__ = ["Query", "QueryError", "QueryInput", "query_build", "query_parse"]

FIELDS = (
    "id",
    "website_id",
    "date_range",
    "metrics",
    "dimensions",
    "filters",
    "order_by",
    "pagination",
    "compare",
    "include_bots",
)
REQUIRED_FIELDS = ("website_id", "date_range", "metrics")
MAX_DIMENSIONS = 3
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000
MAX_ID_LENGTH = 64
DIRECTIONS = ("asc", "desc")
# Whole strings (fullmatch). A UUID in its canonical spelling only: the one the API gives out,
# and one the JSON Schema can state.
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class QueryInput:
    """A checked body, not yet resolved for its website."""

    website_id: UUID
    date_range: str | DateRange  # a period name, or explicit local dates
    metrics: tuple[Metric, ...]
    dimensions: tuple[Dimension, ...] = ()
    filters: tuple[Filter, ...] = ()
    order_by: tuple[tuple[str, str], ...] = ()  # () for the default order
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    compare: str | None = None
    include_bots: bool = False
    id: str | None = None  # names an item of a batch
    path_prefix: str = ""  # where this body sits in the request ("[3]" in a batch)


@dataclass(frozen=True)
class Query:
    """The only input of every read: one website, its local days, what to count and how."""

    website_id: UUID
    timezone: str
    period: str | None  # None for explicit dates
    date_range: DateRange
    compare: str | None
    comparison: DateRange | None
    metrics: tuple[Metric, ...]
    dimensions: tuple[Dimension, ...]
    filters: tuple[Filter, ...]
    order_by: tuple[tuple[str, str], ...]  # never empty: the default order is filled in
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    include_bots: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def interval(self) -> str | None:
        """The interval of the time dimension, None without one."""
        return next((d.column for d in self.dimensions if d.level == "time"), None)

    def as_json(self) -> dict:
        """The normalised query of the answer: every field with its value or default."""
        return {
            "website_id": str(self.website_id),
            "timezone": self.timezone,
            "date_range": [self.date_range.start.isoformat(), self.date_range.end.isoformat()],
            "period": self.period,
            "metrics": [metric.name for metric in self.metrics],
            "dimensions": [dimension.name for dimension in self.dimensions],
            "filters": [filter_as_json(node) for node in self.filters],
            "order_by": [list(order) for order in self.order_by],
            "pagination": {"limit": self.limit, "offset": self.offset},
            "compare": self.compare,
            "comparison_date_range": (
                [self.comparison.start.isoformat(), self.comparison.end.isoformat()]
                if self.comparison
                else None
            ),
            "include_bots": self.include_bots,
        }


def query_parse(body: object, *, path_prefix: str = "") -> QueryInput:
    """Checks one query body (a decoded JSON object) on its own; raises QueryError."""
    if not isinstance(body, dict):
        raise QueryError(path_prefix or "query", "must be a JSON object")
    for key in body:
        if key not in FIELDS:
            raise QueryError(
                path_prefix or "query",
                f"unknown field {shown(str(key))}; the fields are {', '.join(FIELDS)}",
            )
    for key in REQUIRED_FIELDS:
        if key not in body:
            raise QueryError(_path(path_prefix, key), "required")
    path = {key: _path(path_prefix, key) for key in FIELDS}
    # One field after the other, in the documented order: the first fault is the one named.
    item_id = _id_parse(body["id"], path=path["id"]) if "id" in body else None
    website_id = _website_parse(body["website_id"], path=path["website_id"])
    date_range = _date_range_parse(body["date_range"], path=path["date_range"])
    metrics = _metrics_parse(body["metrics"], path=path["metrics"])
    dimensions = _dimensions_parse(body.get("dimensions", []), path=path["dimensions"])
    filters = filters_parse(body.get("filters", []), path=path["filters"])
    order_by = _order_by_parse(
        body.get("order_by", []),
        names={item.name for item in metrics + dimensions},
        path=path["order_by"],
    )
    limit, offset = _pagination_parse(body.get("pagination", {}), path=path["pagination"])
    return QueryInput(
        id=item_id,
        website_id=website_id,
        date_range=date_range,
        metrics=metrics,
        dimensions=dimensions,
        filters=filters,
        order_by=order_by,
        limit=limit,
        offset=offset,
        compare=_choice_parse(body.get("compare"), choices=COMPARES, path=path["compare"]),
        include_bots=_bool_parse(body.get("include_bots", False), path=path["include_bots"]),
        path_prefix=path_prefix,
    )


def query_build(parsed: QueryInput, *, timezone: str, today: date, first_day: date | None) -> Query:
    """Resolves a checked body for its website: `today` is the site's local date and
    `first_day` its first local day (for `all`). Raises QueryError for what only the resolved
    days can tell (an hourly breakdown of a long period, a comparison before year 1)."""
    tz = zone(timezone)
    if isinstance(parsed.date_range, DateRange):
        period, days = None, parsed.date_range
    else:
        period = parsed.date_range
        days = period_resolve(period=period, today=today, first_day=first_day)
    try:
        # In a zone ahead of UTC, the midnight of 0001-01-01 precedes the first datetime.
        range_instants(days=days, tz=tz)
    except OverflowError:
        raise QueryError(
            _path(parsed.path_prefix, "date_range"),
            f"starts before {date.min} UTC in this time zone",
        ) from None
    for index, dimension in enumerate(parsed.dimensions):
        if dimension.name == "time:hour" and days.days > MAX_HOUR_RANGE_DAYS:
            raise QueryError(
                f"{_path(parsed.path_prefix, 'dimensions')}[{index}]",
                f"time:hour is for date ranges of at most {MAX_HOUR_RANGE_DAYS} days "
                f"(this one has {days.days})",
            )
    comparison = None
    if parsed.compare:
        try:
            comparison = comparison_resolve(compare=parsed.compare, period=days)
            range_instants(days=comparison, tz=tz)
        except (ValueError, OverflowError):
            raise QueryError(
                _path(parsed.path_prefix, "compare"),
                f"the comparison period would start before {date.min} UTC",
            ) from None
    return Query(
        website_id=parsed.website_id,
        timezone=timezone,
        period=period,
        date_range=days,
        compare=parsed.compare,
        comparison=comparison,
        metrics=parsed.metrics,
        dimensions=parsed.dimensions,
        filters=parsed.filters,
        order_by=parsed.order_by or _default_order(parsed),
        limit=parsed.limit,
        offset=parsed.offset,
        include_bots=parsed.include_bots,
    )


def _default_order(parsed: QueryInput) -> tuple[tuple[str, str], ...]:
    """The time dimension ascending if there is one, else the first metric descending (the
    readers add every dimension ascending after it, to break ties)."""
    for dimension in parsed.dimensions:
        if dimension.level == "time":
            return ((dimension.name, "asc"),)
    return ((parsed.metrics[0].name, "desc"),)


def _path(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _id_parse(value: object, *, path: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_LENGTH:
        raise QueryError(path, f"must be a string of 1 to {MAX_ID_LENGTH} characters")
    if UNSTORABLE_CHARACTERS.search(value):
        raise QueryError(path, "must not contain control characters or invalid Unicode")
    return value


def _website_parse(value: object, *, path: str) -> UUID:
    if not isinstance(value, str) or not UUID_TEXT.fullmatch(value):
        raise QueryError(path, "must be a website id (a UUID)")
    return UUID(value)


def _date_range_parse(value: object, *, path: str) -> str | DateRange:
    if isinstance(value, str):
        if value not in PERIODS:
            raise QueryError(path, f"unknown period {shown(value)}; one of {', '.join(PERIODS)}")
        return value
    if not isinstance(value, list) or len(value) != 2:
        raise QueryError(path, 'must be a period name or ["YYYY-MM-DD", "YYYY-MM-DD"]')
    start, end = (_date_parse(item, path=f"{path}[{i}]") for i, item in enumerate(value))
    if start > end:
        raise QueryError(path, "the start must not be after the end")
    if end == date.max:
        # A range ends at the next midnight, which 9999-12-31 does not have.
        raise QueryError(f"{path}[1]", f"must be before {date.max}")
    if _years_reached(start=start, end=end, years=MAX_RANGE_YEARS):
        raise QueryError(path, f"must span less than {MAX_RANGE_YEARS} years")
    return DateRange(start, end)


def _date_parse(value: object, *, path: str) -> date:
    if isinstance(value, str) and DATE_TEXT.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise QueryError(path, "must be a date YYYY-MM-DD")


def _years_reached(*, start: date, end: date, years: int) -> bool:
    """Whether `end` is at least `years` after `start`."""
    try:
        return end >= add_years(start, years)
    except ValueError:  # that many years on is past 9999: no date reaches it
        return False


def _metrics_parse(value: object, *, path: str) -> tuple[Metric, ...]:
    if not isinstance(value, list) or not value:
        raise QueryError(path, f"must be a non-empty list of metrics: {', '.join(METRICS)}")
    metrics: list[Metric] = []
    for index, name in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(name, str):
            raise QueryError(item_path, "must be a metric name")
        if name not in METRICS:
            raise QueryError(
                item_path, f"unknown metric {shown(name)}; one of {', '.join(METRICS)}"
            )
        if METRICS[name] in metrics:
            raise QueryError(item_path, f"duplicate metric {shown(name)}")
        metrics.append(METRICS[name])
    return tuple(metrics)


def _dimensions_parse(value: object, *, path: str) -> tuple[Dimension, ...]:
    if not isinstance(value, list) or len(value) > MAX_DIMENSIONS:
        raise QueryError(path, f"must be a list of at most {MAX_DIMENSIONS} dimensions")
    dimensions: list[Dimension] = []
    for index, name in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(name, str):
            raise QueryError(item_path, "must be a dimension name")
        try:
            dimension = dimension_get(name)
        except KeyError:
            raise QueryError(item_path, f"unknown dimension {shown(name)}") from None
        if dimension in dimensions:
            raise QueryError(item_path, f"duplicate dimension {shown(name)}")
        if dimension.level == "time" and any(d.level == "time" for d in dimensions):
            raise QueryError(item_path, "at most one time dimension")
        dimensions.append(dimension)
    return tuple(dimensions)


def _order_by_parse(value: object, *, names: set[str], path: str) -> tuple[tuple[str, str], ...]:
    """Each entry names a requested metric or one of the query's dimensions, once."""
    if not isinstance(value, list):
        raise QueryError(path, "must be a list of [metric or dimension, direction]")
    if len(value) > len(names):
        raise QueryError(path, f"orders by at most the {len(names)} metrics and dimensions")
    order: list[tuple[str, str]] = []
    for index, entry in enumerate(value):
        entry_path = f"{path}[{index}]"
        if not isinstance(entry, list) or len(entry) != 2:
            raise QueryError(entry_path, 'must be [metric or dimension, "asc" or "desc"]')
        name, direction = entry
        if not isinstance(name, str):
            raise QueryError(f"{entry_path}[0]", "must be a metric or dimension name")
        if name not in names:
            raise QueryError(
                f"{entry_path}[0]", "must be a requested metric or a dimension of the query"
            )
        if any(name == seen for seen, _ in order):
            raise QueryError(f"{entry_path}[0]", f"{shown(name)} is already ordered by")
        if direction not in DIRECTIONS:
            raise QueryError(f"{entry_path}[1]", 'must be "asc" or "desc"')
        order.append((name, direction))
    return tuple(order)


def _pagination_parse(value: object, *, path: str) -> tuple[int, int]:
    if not isinstance(value, dict):
        raise QueryError(path, 'must be an object such as {"limit": 100, "offset": 0}')
    for key in value:
        if key not in ("limit", "offset"):
            raise QueryError(path, f"unknown field {shown(str(key))}; the fields are limit, offset")
    return (
        _integer_parse(
            value.get("limit", DEFAULT_LIMIT), low=1, high=MAX_LIMIT, path=f"{path}.limit"
        ),
        _integer_parse(value.get("offset", 0), low=0, high=MAX_OFFSET, path=f"{path}.offset"),
    )


def _integer_parse(value: object, *, low: int, high: int, path: str) -> int:
    """An integer as JSON has them: 100.0 is one (JSON Schema agrees), `true` is not (though
    bool is an int in Python)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise QueryError(path, f"must be an integer from {low} to {high}")
    return value


def _choice_parse(value: object, *, choices: tuple[str, ...], path: str) -> str | None:
    if value is not None and value not in choices:
        raise QueryError(path, f"must be null or one of {', '.join(choices)}")
    return value


def _bool_parse(value: object, *, path: str) -> bool:
    if not isinstance(value, bool):
        raise QueryError(path, "must be true or false")
    return value
