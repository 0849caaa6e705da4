"""The dashboard's state: its URL parameters, under the query API's own names, parsed once.

`period` (a period of the query API, or `custom` with `start_date` and `end_date`), `compare`,
`include_bots`, `filters` (the query API's filters JSON), `interval`, plus the page's own:
`metric` (the top stat the chart shows) and `<panel>_tab` (each panel's open tab). A link
therefore reproduces the view. A value the page cannot show raises `StateError`, whose message
names the parameter (a 400 page); the engine's own refusals (a range over 5 years, hours of a
long period) come later, as `QueryError`, from building the queries.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

from django.http import QueryDict

from stats.dimensions import PROP_KEY
from stats.errors import QueryError
from stats.filters import Filter, Leaf, filter_as_json, filters_parse
from stats.time import COMPARES, INTERVALS, PERIODS

CUSTOM = "custom"
DEFAULT_PERIOD = "30d"
TOP_STATS = ("visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration")
MAX_FILTERS_LENGTH = 16_384  # as the reports' `filters`
MAX_PROP_LENGTH = 64


class StateError(ValueError):
    """A URL parameter the dashboard cannot show; the message names it."""


@dataclass(frozen=True)
class DashboardState:
    period: str = DEFAULT_PERIOD  # a period name of the query API, or "custom"
    start_date: date | None = None
    end_date: date | None = None
    compare: str | None = None
    include_bots: bool = False
    filters: tuple[Filter, ...] = ()  # the URL's; locked filters are kept apart
    interval: str | None = None  # None: the default for the period's length
    metric: str = TOP_STATS[0]
    tabs: dict[str, str] = field(default_factory=dict)  # panel -> tab, when not the first
    prop: str | None = None  # the custom event property the properties tab breaks down

    @property
    def date_range(self) -> str | list[str]:
        """The query API's `date_range`."""
        if self.period == CUSTOM:
            return [self.start_date.isoformat(), self.end_date.isoformat()]
        return self.period

    def params(self) -> dict[str, str]:
        """The URL parameters that give this state (defaults left out)."""
        values = {
            "period": self.period if self.period != DEFAULT_PERIOD else None,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "compare": self.compare,
            "include_bots": "true" if self.include_bots else None,
            "filters": filters_text(self.filters) if self.filters else None,
            "interval": self.interval,
            "metric": self.metric if self.metric != TOP_STATS[0] else None,
            **{f"{panel}_tab": tab for panel, tab in sorted(self.tabs.items())},
            "prop": self.prop,
        }
        return {key: value for key, value in values.items() if value is not None}

    def href(self, **changes) -> str:
        """A relative link (`?…`) to this state with `changes`: it works under any prefix (the
        signed-in page, a shared link)."""
        query = urlencode(replace(self, **changes).params())
        return f"?{query}" if query else "?"

    def with_filter(self, leaf: list) -> "DashboardState":
        """Adds `["is", dimension, [value]]`, replacing a top-level `is` on the same dimension
        (a second one could only select nothing)."""
        [added] = filters_parse([leaf])
        kept = tuple(
            node
            for node in self.filters
            if not (
                isinstance(node, Leaf)
                and node.op == "is"
                and node.dimension.name == added.dimension.name
            )
        )
        return replace(self, filters=(*kept, added))

    def without_filter(self, index: int) -> "DashboardState":
        return replace(self, filters=self.filters[:index] + self.filters[index + 1 :])


def filters_text(filters: tuple[Filter, ...]) -> str:
    """The query API's filters JSON, as short as it goes (for URLs)."""
    return json.dumps([_short(filter_as_json(node)) for node in filters], separators=(",", ":"))


def _short(node: list) -> list:
    """A filter's JSON without the default `{"case_sensitive": true}` of its leaves."""
    if node[0] in ("and", "or"):
        return [node[0], [_short(item) for item in node[1]]]
    if node[0] == "not":
        return ["not", _short(node[1])]
    return node[:3] if node[3:] == [{"case_sensitive": True}] else node


def state_parse(query: QueryDict, *, panels: dict[str, tuple[str, ...]]) -> DashboardState:
    """The state of a request's URL parameters; raises StateError. `panels` maps each panel to
    its tabs (the first is the default)."""
    period = query.get("period") or DEFAULT_PERIOD
    start, end = (_date_parse(query, name) for name in ("start_date", "end_date"))
    if start or end:
        period = CUSTOM
    if period == CUSTOM and not (start and end):
        raise StateError("start_date and end_date: a custom period needs both dates.")
    if period != CUSTOM and period not in PERIODS:
        raise StateError(f"period: one of {', '.join(PERIODS)} or custom.")
    return DashboardState(
        period=period,
        start_date=start,
        end_date=end,
        compare=_choice(query, "compare", COMPARES),
        include_bots=_choice(query, "include_bots", ("true", "false")) == "true",
        filters=_filters_parse(query.get("filters")),
        interval=_choice(query, "interval", INTERVALS),
        metric=_choice(query, "metric", TOP_STATS) or TOP_STATS[0],
        tabs={
            panel: tab
            for panel, tabs in panels.items()
            if (tab := _choice(query, f"{panel}_tab", tabs)) and tab != tabs[0]
        },
        prop=_prop_parse(query.get("prop")),
    )


def _choice(query: QueryDict, name: str, choices: tuple[str, ...]) -> str | None:
    value = query.get(name) or None
    if value is not None and value not in choices:
        raise StateError(f"{name}: one of {', '.join(choices)}.")
    return value


def _date_parse(query: QueryDict, name: str) -> date | None:
    value = query.get(name)
    if not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise StateError(f"{name}: a date YYYY-MM-DD.")


def _filters_parse(value: str | None) -> tuple[Filter, ...]:
    if not value:
        return ()
    if len(value) > MAX_FILTERS_LENGTH:
        raise StateError(f"filters: at most {MAX_FILTERS_LENGTH} characters.")
    try:
        decoded = json.loads(value)
    except (ValueError, RecursionError):  # RecursionError: nested past Python's stack
        raise StateError("filters: not JSON; a list of the query API's filters.") from None
    try:
        return filters_parse(decoded, path="filters")
    except QueryError as error:
        raise StateError(str(error)) from None


def _prop_parse(value: str | None) -> str | None:
    if not value:
        return None
    if not PROP_KEY.fullmatch(value):
        raise StateError(f"prop: 1 to {MAX_PROP_LENGTH} of A-Z a-z 0-9 _ . -")
    return value
