"""The dashboard's pages for one website, whoever may see it: the signed-in owner
(`dashboard.views`), a shared link or its embed (which lock filters in and show nothing else).

Each function takes the website, the filters locked in and a mode; links between the pages are
relative (`?…`, `breakdowns/…`, `realtime`), so the same pages serve under any URL prefix that
routes these four paths.
"""

from typing import Literal
from urllib.parse import urlencode

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from psycopg.errors import InvalidRegularExpression, QueryCanceled

from analytics_site.api.exceptions import database_error
from dashboard import selectors
from dashboard.params import CUSTOM, DashboardState, StateError, state_parse
from reports.api.renderers import ReportCSVRenderer, query_csv_response
from stats.errors import QueryError
from stats.filters import Filter
from stats.time import PERIODS
from websites.models import Website
from websites.selectors import website_tracker_snippet

Mode = Literal["owner", "shared", "embed"]
PERIOD_LABELS = {
    "today": "Today",
    "yesterday": "Yesterday",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "12m": "Last 12 months",
    "ytd": "Year to date",
    "all": "All time",
    CUSTOM: "Custom range",
}
COMPARE_LABELS = {None: "No comparison", "previous_period": "Previous period", "yoy": "Year before"}
MAX_SEARCH_LENGTH = 100
TOO_LONG = "This view took too long: try a shorter period or fewer filters."
MAX_PAGE = 10_000


class PageError(Exception):
    """A request the page cannot answer: its status and what to tell the visitor."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _answered(request: HttpRequest, mode: Mode, build) -> HttpResponse:
    """`build()`'s response, or the error page of a parameter the page cannot show (400) or of
    a statement over the time limit (503); never a 500 for what a visitor typed."""
    try:
        return build()
    except (StateError, QueryError) as error:
        problem = PageError(400, str(error))
    except PageError as error:
        problem = error
    except selectors.PageTimeout:
        problem = PageError(503, TOO_LONG)
    except DatabaseError as error:
        if regex := database_error(error, InvalidRegularExpression):
            message = f"filters: invalid regular expression ({regex.diag.message_primary})."
            problem = PageError(400, message)
        elif database_error(error, QueryCanceled):
            problem = PageError(503, TOO_LONG)
        else:
            raise
    return problem_page(request, status=problem.status, message=problem.message, mode=mode)


def problem_page(request: HttpRequest, *, status: int, message: str, mode: Mode) -> HttpResponse:
    """The page of a request the dashboard cannot answer, saying why."""
    context = {"message": message, "status": status, "layout": _layout(mode)}
    return render(request, "dashboard/problem.html", context, status=status)


def _state(request: HttpRequest) -> DashboardState:
    return state_parse(request.GET, panels=selectors.PANEL_TABS)


def dashboard_page(
    request: HttpRequest, *, website: Website, locked: tuple[Filter, ...] = (), mode: Mode
) -> HttpResponse:
    """The dashboard: top stats, the chart, the panels (their open tabs), realtime."""

    def build() -> HttpResponse:
        state = _state(request)
        dashboard = selectors.dashboard_build(website=website, state=state, locked=locked)
        context = {
            **_common(website=website, state=state, locked=locked, mode=mode),
            "dashboard": dashboard,
            "periods": [
                (value, PERIOD_LABELS[value], _period_href(state, value))
                for value in (*PERIODS[1::-1], *PERIODS[2:])  # today first
            ],
            "compares": [
                (value, label, state.href(compare=value)) for value, label in COMPARE_LABELS.items()
            ],
            "intervals": [
                (value, state.href(interval=value))
                for value in selectors.intervals_allowed(dashboard.days.days)
            ],
            "top_stats": [(stat, state.href(metric=stat.metric)) for stat in dashboard.top_stats],
            "panels": [
                _panel(state, panel, dashboard.tables[panel.slug]) for panel in selectors.PANELS
            ],
            "custom_hidden": {
                key: value
                for key, value in state.params().items()
                if key not in ("period", "start_date", "end_date", "interval")
            },
            "bots_href": state.href(include_bots=not state.include_bots),
            "realtime": selectors.realtime_figures(
                website=website, filters=selectors.page_filters(state=state, locked=locked)
            ),
            "chart_json": dashboard.chart.as_json(),
            "chart_rows": dashboard.chart.rows(state.metric),
            "snippet": None if dashboard.has_events else website_tracker_snippet(website=website),
        }
        return render(request, "dashboard/site.html", context)

    return _answered(request, mode, build)


def panel_fragment(
    request: HttpRequest,
    *,
    website: Website,
    panel_slug: str,
    locked: tuple[Filter, ...] = (),
    mode: Mode,
) -> HttpResponse:
    """One panel with its open tab (the page swaps it in when a tab is chosen)."""

    def build() -> HttpResponse:
        state = _state(request)
        panel = next((p for p in selectors.PANELS if p.slug == panel_slug), None)
        if panel is None:
            raise PageError(404, f"No panel {panel_slug!r}.")
        table, _ = selectors.breakdown_build(
            website=website,
            state=state,
            locked=locked,
            breakdown=selectors.panel_tab(state, panel),
            page_rows=selectors.PANEL_ROWS,
            metrics=selectors.CARD_METRICS,
        )
        context = {"panel": _panel(state, panel, table), "state": state}
        return render(request, "dashboard/_panel.html", context)

    return _answered(request, mode, build)


def breakdown_page(
    request: HttpRequest,
    *,
    website: Website,
    slug: str,
    locked: tuple[Filter, ...] = (),
    mode: Mode,
) -> HttpResponse:
    """One breakdown in full: search, paging, CSV export."""

    def build() -> HttpResponse:
        state = _state(request)
        breakdown = _breakdown(slug)
        search, page = _search(request), _page(request)
        table, days = selectors.breakdown_build(
            website=website,
            state=state,
            locked=locked,
            breakdown=breakdown,
            search=search,
            page=page,
            page_rows=selectors.BREAKDOWN_PAGE_ROWS,
            metrics=breakdown.metrics,
        )
        pages = max(1, -(-table.total_rows // selectors.BREAKDOWN_PAGE_ROWS))
        context = {
            **_common(website=website, state=state, locked=locked, mode=mode),
            "breakdown": breakdown,
            "table": table,
            "rows": _rows(state, table, prefix="../"),
            "days": days,
            "search": search or "",
            "page": page,
            "pages": pages,
            "previous_href": _with(state, search=search, page=page - 1) if page > 1 else None,
            "next_href": _with(state, search=search, page=page + 1) if page < pages else None,
            "csv_href": f"{slug}.csv{_with(state, search=search)}",
            "back_href": f"../{state.href()}",
            "state_hidden": state.params(),
        }
        return render(request, "dashboard/breakdown.html", context)

    return _answered(request, mode, build)


def breakdown_csv(
    request: HttpRequest,
    *,
    website: Website,
    slug: str,
    locked: tuple[Filter, ...] = (),
    mode: Mode,
) -> HttpResponse:
    """Every row of a breakdown (with the page's search), as the query API's CSV."""

    def build() -> HttpResponse:
        state = _state(request)
        breakdown = _breakdown(slug)
        query = selectors.breakdown_export_query(
            website=website,
            state=state,
            locked=locked,
            breakdown=breakdown,
            search=_search(request),
        )
        if query is None:
            raise PageError(400, "prop: give the property to break down.")
        return query_csv_response(
            renderer=ReportCSVRenderer(), website=website, query=query, name=slug
        )

    return _answered(request, mode, build)


def realtime_fragment(
    request: HttpRequest, *, website: Website, locked: tuple[Filter, ...] = (), mode: Mode
) -> HttpResponse:
    """The realtime panel's body (the page fetches it every few seconds)."""

    def build() -> HttpResponse:
        state = _state(request)
        filters = selectors.page_filters(state=state, locked=locked)
        figures = selectors.realtime_figures(website=website, filters=filters)
        return render(request, "dashboard/_realtime.html", {"realtime": figures})

    return _answered(request, mode, build)


# --- helpers -----------------------------------------------------------------------------------


def _common(
    *, website: Website, state: DashboardState, locked: tuple[Filter, ...], mode: Mode
) -> dict:
    return {
        "website": website,
        "state": state,
        "mode": mode,
        "layout": _layout(mode),
        # (filter, the link that removes it): locked filters stay.
        "chips": [(node, None) for node in locked]
        + [(node, state.without_filter(i).href()) for i, node in enumerate(state.filters)],
        "dimension_labels": selectors.DIMENSION_LABELS,
    }


def _layout(mode: Mode) -> str:
    return "dashboard/embed_base.html" if mode == "embed" else "base.html"


def _period_href(state: DashboardState, period: str) -> str:
    # Another period may not allow the current interval (hours): back to its default.
    return state.href(period=period, start_date=None, end_date=None, interval=None)


def _panel(state: DashboardState, panel: selectors.Panel, table: selectors.Table) -> dict:
    first = panel.breakdowns[0].slug
    tabs = [
        (
            breakdown,
            state.href(
                tabs={**state.tabs, panel.slug: breakdown.slug}
                if breakdown.slug != first
                else {k: v for k, v in state.tabs.items() if k != panel.slug}
            ),
            breakdown.slug == table.breakdown.slug,
        )
        for breakdown in panel.breakdowns
    ]
    return {
        "panel": panel,
        "tabs": tabs,
        "table": table,
        "rows": _rows(state, table, prefix=""),
        "full_href": f"breakdowns/{table.breakdown.slug}{state.href()}",
        "csv_href": f"breakdowns/{table.breakdown.slug}.csv{state.href()}",
        "fragment_href": f"panels/{panel.slug}",
        "state_hidden": {key: value for key, value in state.params().items() if key != "prop"},
    }


def _rows(state: DashboardState, table: selectors.Table, *, prefix: str) -> list[dict]:
    """Each row with the link that adds its filter (`prefix` leads back to the dashboard)."""
    return [
        {"row": row, "filter_href": _filter_href(state, row, prefix=prefix)} for row in table.rows
    ]


def _filter_href(state: DashboardState, row: selectors.Row, *, prefix: str) -> str | None:
    try:
        return prefix + state.with_filter(row.filter_leaf).href()
    except QueryError:  # a value no filter may hold (a property value over 1 KB): no link
        return None


def _with(state: DashboardState, **extra) -> str:
    """The state's link with the breakdown page's own parameters (search, page)."""
    params = {**state.params(), **{key: value for key, value in extra.items() if value}}
    return f"?{urlencode(params)}"


def _breakdown(slug: str) -> selectors.Breakdown:
    breakdown = selectors.BREAKDOWNS.get(slug)
    if breakdown is None:
        raise PageError(404, f"No breakdown {slug!r}.")
    return breakdown


def _search(request: HttpRequest) -> str | None:
    search = request.GET.get("search", "").strip()
    if len(search) > MAX_SEARCH_LENGTH:
        raise PageError(400, f"search: at most {MAX_SEARCH_LENGTH} characters.")
    return search or None


def _page(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    valid = value.isascii() and value.isdigit() and len(value) <= 6
    if not (valid and 1 <= int(value) <= MAX_PAGE):
        raise PageError(400, f"page: a number from 1 to {MAX_PAGE}.")
    return int(value)
