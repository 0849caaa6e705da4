"""The dashboard's figures: every one a query of the query engine (`stats.runner.query_run`).

The page's state (`dashboard.params.DashboardState`) becomes one checked query body, the top
stats'; every other query of the page (the chart, the compared chart, each panel's open tab, a
breakdown in full) is that body with other metrics, dimensions or filters, resolved for the same
days. So a figure on the page is the one `POST /api/v1/query` gives for the same body.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from aggregation.models import DayTotal
from dashboard.params import TOP_STATS, DashboardState
from ingest.models import Event
from reports import params as report_params
from reports.params import queries_build
from stats.dimensions import dimension_get
from stats.filters import Filter, filter_as_json, filters_parse
from stats.metrics import METRICS
from stats.query import Query, QueryInput, query_parse
from stats.realtime import RealtimeFigures, realtime_run
from stats.runner import query_run
from stats.time import DateRange
from websites.models import Website

PANEL_ROWS = 10
# A panel on the page shows visitors (and their share) only, as Plausible's do: a second metric
# of an event dimension (pageviews, events) doubles what the engine reads for today's stored
# sessions (bench/dashboard.py). The breakdown in full and its CSV show every metric.
CARD_METRICS = ("visitors",)
BREAKDOWN_PAGE_ROWS = 50
MAX_BUCKETS = 10_000  # the engine's largest page: more buckets than 5 years of days
# Only custom events have a name. Said this way rather than `event:type is custom`, the events
# tab is a filter on its own dimension, which the engine answers from its day rows (fast).
CUSTOM_EVENTS = ("is_not", "event:name", [None])


class PageTimeout(Exception):
    """The page's queries together ran past its time budget."""


class PageBudget:
    """One time budget for all the statements of a page: each alone is already cancelled after
    TRAILMARK_STATEMENT_TIMEOUT_MS, but eight of them in a row could outlast gunicorn's worker
    timeout (30 s) and get the worker killed; so each statement gets what the page has left.
    Opened by `page_budget()`. 0 (no statement timeout) means no budget."""

    def __init__(self) -> None:
        self.milliseconds = settings.TRAILMARK_STATEMENT_TIMEOUT_MS
        self.began = time.monotonic()

    def run(self, *, website: Website, query: Query) -> dict:
        """`query_run`, its statements cancelled when the page's budget is spent."""
        if self.milliseconds:
            left = self.milliseconds - int((time.monotonic() - self.began) * 1000)
            if left <= 0:
                raise PageTimeout
            self._statement_timeout(left)
        return query_run(website=website, query=query)

    def _statement_timeout(self, milliseconds: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {int(milliseconds)}")


@contextmanager
def page_budget() -> Iterator[PageBudget]:
    """A transaction whose statements share one budget; the usual timeout comes back after it
    (`SET LOCAL` would outlive a savepoint in an outer transaction; a failure rolls it back)."""
    with transaction.atomic():
        budget = PageBudget()
        yield budget
        if budget.milliseconds:
            budget._statement_timeout(budget.milliseconds)


@dataclass(frozen=True)
class Breakdown:
    """One tab of a panel: the rows of one dimension, most visitors first."""

    slug: str
    title: str
    dimension: str  # a query API dimension; "event:props:" + the state's `prop` for properties
    column: str  # the header of its values
    metrics: tuple[str, ...]  # visitors first: rows are ordered and shared by it
    filters: tuple[tuple, ...] = ()  # what the tab itself counts (custom events only)

    def dimension_for(self, state: DashboardState) -> str | None:
        """The dimension of this tab in a state (None: a property tab without its key)."""
        if self.dimension == "event:props:":
            return f"event:props:{state.prop}" if state.prop else None
        return self.dimension


@dataclass(frozen=True)
class Panel:
    slug: str
    title: str
    breakdowns: tuple[Breakdown, ...]  # its tabs, the first open by default


VISITS = ("visitors", "visits")
PANELS = (
    Panel(
        "pages",
        "Pages",
        (
            Breakdown("pages", "Top pages", "event:page", "Page", ("visitors", "pageviews")),
            Breakdown("entry_pages", "Entry pages", "visit:entry_page", "Entry page", VISITS),
            Breakdown("exit_pages", "Exit pages", "visit:exit_page", "Exit page", VISITS),
        ),
    ),
    Panel(
        "sources",
        "Sources",
        (
            Breakdown("channels", "Channels", "visit:channel", "Channel", VISITS),
            Breakdown("referrers", "Referrers", "visit:source", "Referrer", VISITS),
            Breakdown("utm_sources", "UTM source", "visit:utm_source", "UTM source", VISITS),
            Breakdown("utm_mediums", "UTM medium", "visit:utm_medium", "UTM medium", VISITS),
            Breakdown(
                "utm_campaigns", "UTM campaign", "visit:utm_campaign", "UTM campaign", VISITS
            ),
        ),
    ),
    Panel(
        "devices",
        "Devices",
        (
            Breakdown("devices", "Type", "visit:device", "Device", VISITS),
            Breakdown("browsers", "Browser", "visit:browser", "Browser", VISITS),
            Breakdown("os", "OS", "visit:os", "Operating system", VISITS),
            Breakdown("screens", "Screen", "visit:screen", "Screen width", VISITS),
        ),
    ),
    Panel(
        "countries",
        "Countries",
        (Breakdown("countries", "Countries", "visit:country", "Country", VISITS),),
    ),
    Panel(
        "events",
        "Custom events",
        (
            Breakdown(
                "events",
                "Events",
                "event:name",
                "Event",
                ("visitors", "events"),
                (CUSTOM_EVENTS,),
            ),
            Breakdown(
                "properties",
                "Properties",
                "event:props:",
                "Property value",
                ("visitors", "events"),
                (CUSTOM_EVENTS,),
            ),
        ),
    ),
    Panel(
        "content",
        "Content groups",
        (
            Breakdown(
                "content_groups",
                "Content groups",
                "event:content_group",
                "Content group",
                ("visitors", "pageviews"),
            ),
        ),
    ),
)
PANEL_TABS = {panel.slug: tuple(b.slug for b in panel.breakdowns) for panel in PANELS}
BREAKDOWNS = {breakdown.slug: breakdown for panel in PANELS for breakdown in panel.breakdowns}
DIMENSION_LABELS = {b.dimension: b.column for b in BREAKDOWNS.values()}


@dataclass(frozen=True)
class TopStat:
    metric: str
    value: int | float
    data_value: str  # the figure as the query API's JSON writes it
    previous: int | float | None = None
    change: float | None = None  # percent; None when the previous value is 0

    @property
    def data_previous(self) -> str:
        return json.dumps(self.previous)

    @property
    def data_change(self) -> str:
        return json.dumps(self.change)


@dataclass(frozen=True)
class Row:
    value: str | None  # None: the dimension's missing value
    metrics: list
    share: float  # percent of the period's visitors
    filter_leaf: list  # what clicking it adds


@dataclass(frozen=True)
class Table:
    """A breakdown's rows for one state."""

    breakdown: Breakdown
    dimension: str | None
    metrics: tuple[str, ...]  # visitors first
    rows: list[Row]
    total_rows: int


@dataclass(frozen=True)
class Chart:
    labels: list[str]
    series: dict[str, list]  # metric -> a value per bucket, zeros where no visit was
    previous_labels: list[str] | None = None
    previous: dict[str, list] | None = None

    def rows(self, metric: str) -> list[tuple]:
        """(label, value, compared label, compared value) per bucket, for the chart's table."""
        previous_labels = self.previous_labels or [None] * len(self.labels)
        previous = (self.previous or {}).get(metric) or [None] * len(self.labels)
        return list(zip(self.labels, self.series[metric], previous_labels, previous, strict=False))

    def as_json(self) -> dict:
        return {
            "labels": self.labels,
            "series": self.series,
            "previous_labels": self.previous_labels,
            "previous": self.previous,
        }


@dataclass(frozen=True)
class Dashboard:
    days: DateRange
    comparison: DateRange | None
    interval: str
    top_stats: list[TopStat]
    chart: Chart
    tables: dict[str, Table]  # panel -> its open tab
    has_events: bool  # False: nothing ever recorded (the page shows the tracker snippet)


def interval_default(days: int) -> str:
    if days <= 2:
        return "hour"
    return "day" if days <= 92 else "month"


def intervals_allowed(days: int) -> tuple[str, ...]:
    return ("hour", "day", "week", "month") if days <= 31 else ("day", "week", "month")


def page_filters(*, state: DashboardState, locked: tuple[Filter, ...]) -> tuple[Filter, ...]:
    return (*locked, *state.filters)


def _base_input(
    *, website: Website, state: DashboardState, locked: tuple[Filter, ...]
) -> QueryInput:
    """The checked top stats body: the page's period, comparison, bots and filters."""
    return query_parse(
        {
            "website_id": str(website.pk),
            "date_range": state.date_range,
            "metrics": [*TOP_STATS, "events"],
            "filters": [filter_as_json(node) for node in page_filters(state=state, locked=locked)],
            "compare": state.compare,
            "include_bots": state.include_bots,
        }
    )


def _variant(base: QueryInput, *, days: DateRange, **changes) -> QueryInput:
    """The base body over the resolved days, uncompared, with other parts."""
    return replace(base, date_range=days, compare=None, order_by=(), **changes)


def _breakdown_input(
    base: QueryInput,
    *,
    days: DateRange,
    breakdown: Breakdown,
    dimension: str,
    metrics: tuple[str, ...],
    search: str | None = None,
    limit: int = PANEL_ROWS,
    offset: int = 0,
) -> QueryInput:
    own = [list(item) for item in breakdown.filters]
    if search:
        own.append(["contains", dimension, [search], {"case_sensitive": False}])
    return _variant(
        base,
        days=days,
        metrics=tuple(METRICS[name] for name in metrics),
        dimensions=(dimension_get(dimension),),
        filters=base.filters + filters_parse(own, path="search"),
        limit=limit,
        offset=offset,
    )


def dashboard_build(
    *, website: Website, state: DashboardState, locked: tuple[Filter, ...] = ()
) -> Dashboard:
    """Every figure of the page. Raises QueryError for a state the engine refuses."""
    base = _base_input(website=website, state=state, locked=locked)
    [top_query] = queries_build(website=website, parsed=[base])
    days, comparison = top_query.date_range, top_query.comparison
    interval = state.interval or interval_default(days.days)
    chart_input = _variant(
        base,
        days=days,
        metrics=base.metrics[: len(TOP_STATS)],
        dimensions=(dimension_get(f"time:{interval}"),),
        limit=MAX_BUCKETS,
    )
    tabs = []
    for panel in PANELS:
        breakdown = panel_tab(state, panel)
        tabs.append((panel, breakdown, breakdown.dimension_for(state)))
    inputs = [chart_input]
    if comparison is not None:
        inputs.append(replace(chart_input, date_range=comparison))
    inputs += [
        _breakdown_input(
            base, days=days, breakdown=breakdown, dimension=dimension, metrics=CARD_METRICS
        )
        for _, breakdown, dimension in tabs
        if dimension
    ]
    queries = iter(queries_build(website=website, parsed=inputs))

    with page_budget() as budget:
        top = budget.run(website=website, query=top_query)["results"][0]
        visitors = top["metrics"][0]
        chart = _chart(website, next(queries), next(queries) if comparison else None, budget)
        tables = {}
        for panel, breakdown, dimension in tabs:
            query = next(queries) if dimension else None
            tables[panel.slug] = _table(
                website,
                breakdown,
                dimension,
                query,
                budget,
                metrics=CARD_METRICS,
                visitors=visitors,
            )
    recorded = visitors or top["metrics"][len(TOP_STATS)]
    return Dashboard(
        days=days,
        comparison=comparison,
        interval=interval,
        top_stats=_top_stats(top),
        chart=chart,
        tables=tables,
        has_events=bool(recorded) or website_has_events(website=website),
    )


def _top_stats(result: dict) -> list[TopStat]:
    stats = []
    for index, metric in enumerate(TOP_STATS):
        value = result["metrics"][index]
        comparison = result.get("comparison")
        stats.append(
            TopStat(
                metric=metric,
                value=value,
                data_value=json.dumps(value),
                previous=comparison["metrics"][index] if comparison else None,
                change=comparison["change"][index] if comparison else None,
            )
        )
    return stats


def _series(
    website: Website, query: Query, budget: PageBudget
) -> tuple[list[str], dict[str, list]]:
    """Each metric's value per bucket of the range: the engine lists only the buckets that
    hold visits, so the others are zeros."""
    data = budget.run(website=website, query=query)
    labels = data["meta"]["time_labels"]
    by_label = {result["dimensions"][0]: result["metrics"] for result in data["results"]}
    zeros = [0.0 if metric.type == "float" else 0 for metric in query.metrics]
    rows = [by_label.get(label, zeros) for label in labels]
    series = {metric.name: [row[i] for row in rows] for i, metric in enumerate(query.metrics)}
    return labels, series


def _chart(
    website: Website, query: Query, previous_query: Query | None, budget: PageBudget
) -> Chart:
    labels, series = _series(website, query, budget)
    if previous_query is None:
        return Chart(labels=labels, series=series)
    previous_labels, previous = _series(website, previous_query, budget)
    return Chart(labels, series, previous_labels, previous)


def _table(
    website: Website,
    breakdown: Breakdown,
    dimension: str | None,
    query: Query | None,
    budget: PageBudget,
    *,
    metrics: tuple[str, ...],
    visitors: int,
) -> Table:
    if query is None:  # a property tab without its property
        return Table(breakdown=breakdown, dimension=None, metrics=metrics, rows=[], total_rows=0)
    data = budget.run(website=website, query=query)
    rows = [
        Row(
            value=result["dimensions"][0],
            metrics=result["metrics"],
            share=round(100 * result["metrics"][0] / visitors, 1) if visitors else 0.0,
            filter_leaf=["is", dimension, [result["dimensions"][0]]],
        )
        for result in data["results"]
    ]
    return Table(
        breakdown=breakdown,
        dimension=dimension,
        metrics=metrics,
        rows=rows,
        total_rows=data["meta"]["total_rows"],
    )


def breakdown_build(
    *,
    website: Website,
    state: DashboardState,
    locked: tuple[Filter, ...],
    breakdown: Breakdown,
    page_rows: int,
    metrics: tuple[str, ...],
    search: str | None = None,
    page: int = 1,
) -> tuple[Table, DateRange]:
    """One page of a breakdown's rows (`search`: values containing it, whatever the case), with
    their shares of the period's visitors. Raises QueryError."""
    base = _base_input(website=website, state=state, locked=locked)
    [top_query] = queries_build(website=website, parsed=[base])
    days = top_query.date_range
    dimension = breakdown.dimension_for(state)
    if dimension is None:
        empty = Table(breakdown=breakdown, dimension=None, metrics=metrics, rows=[], total_rows=0)
        return empty, days
    totals_input = _variant(base, days=days, metrics=base.metrics[:1])
    rows_input = _breakdown_input(
        base,
        days=days,
        breakdown=breakdown,
        dimension=dimension,
        metrics=metrics,
        search=search,
        limit=page_rows,
        offset=(page - 1) * page_rows,
    )
    totals, rows = queries_build(website=website, parsed=[totals_input, rows_input])
    with page_budget() as budget:
        visitors = budget.run(website=website, query=totals)["results"][0]["metrics"][0]
        table = _table(
            website, breakdown, dimension, rows, budget, metrics=metrics, visitors=visitors
        )
    return table, days


def panel_tab(state: DashboardState, panel: Panel) -> Breakdown:
    """The panel's open tab in this state."""
    return BREAKDOWNS[state.tabs.get(panel.slug, panel.breakdowns[0].slug)]


def breakdown_export_query(
    *,
    website: Website,
    state: DashboardState,
    locked: tuple[Filter, ...],
    breakdown: Breakdown,
    search: str | None,
) -> Query | None:
    """The query of every row of a breakdown (for CSV), None for a property tab without its key.
    Raises QueryError."""
    dimension = breakdown.dimension_for(state)
    if dimension is None:
        return None
    base = _base_input(website=website, state=state, locked=locked)
    [top_query] = queries_build(website=website, parsed=[base])
    rows_input = _breakdown_input(
        base,
        days=top_query.date_range,
        breakdown=breakdown,
        dimension=dimension,
        metrics=breakdown.metrics,
        search=search,
    )
    [query] = queries_build(website=website, parsed=[rows_input])
    return query


def realtime_figures(
    *, website: Website, filters: tuple[Filter, ...], now: datetime | None = None
) -> RealtimeFigures:
    """The last 30 minutes of the visits the page's filters keep."""
    return realtime_run(website=website, filters=filters, now=now or report_params.utc_now())


def website_has_events(*, website: Website) -> bool:
    """Whether anything was ever recorded: raw events, or daily totals that outlive them."""
    return (
        Event.objects.filter(website_id=website.pk).exists()
        or DayTotal.objects.filter(website_id=website.pk).exists()
    )
