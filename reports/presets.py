"""The period reports as presets of the query engine: each builds `Query`s and shapes the JSON.

A report asked with `filters` (or a timeseries with an `interval` other than `day`) is answered
here; without them it is answered from the rollups (`reports.selectors`), byte for byte as
before. Both give the same figures for the same question (`tests/stats/test_reports_agree.py`,
`tests/stats/test_presets.py`). `content_group=G` is the top-level filter
`["is", "event:content_group", [G]]`, a timeseries `path` the filter `["is", "event:page", [P]]`
(`visit:entry_page` / `visit:exit_page` for entries and exits).

The funnel, which no rollup can answer, is always answered here (`stats.funnel`), its filters
and content group decided per visit.
"""

from collections import defaultdict
from dataclasses import replace

from reports.params import ReportParams
from reports.reference import SUMMARY_METRICS, paginated, rate
from stats.dimensions import dimension_get
from stats.filters import And, Filter, Leaf, Or
from stats.funnel import funnel_run
from stats.metrics import METRICS
from stats.query import MAX_LIMIT, Query
from stats.runner import query_run
from stats.time import buckets
from websites.models import Website

PAGE = dimension_get("event:page")
GROUP = dimension_get("event:content_group")
PAGE_VIEWS_ONLY = Leaf("is", dimension_get("event:type"), ("page_view",))
CUSTOM_EVENTS_ONLY = Leaf("is", dimension_get("event:type"), ("custom",))
NAMED = Leaf("is_not", dimension_get("event:name"), (None,))


def _query(
    website: Website,
    params: ReportParams,
    *,
    metrics: tuple[str, ...],
    dimensions: tuple[str, ...] = (),
    filters: tuple[Filter, ...] = (),
    compare: bool = False,
) -> Query:
    group = (Leaf("is", GROUP, (params.content_group,)),) if params.content_group else ()
    dims = tuple(dimension_get(name) for name in dimensions)
    time = [d.name for d in dims if d.level == "time"]
    return Query(
        website_id=website.pk,
        timezone=website.timezone,
        period=None,
        date_range=params.period,
        compare=None,
        comparison=params.comparison if compare else None,
        metrics=tuple(METRICS[name] for name in metrics),
        dimensions=dims,
        filters=(*params.filters, *group, *filters),
        order_by=((time[0], "asc"),) if time else ((metrics[0], "desc"),),
        limit=params.per_page or MAX_LIMIT,
        offset=params.offset,
        include_bots=params.include_bots,
    )


def _results(website: Website, query: Query, params: ReportParams) -> list[dict]:
    """The rows of a page, or every row when the report is not paginated (CSV)."""
    return query_run(website=website, query=query, paginate=params.per_page is not None)["results"]


def _rows(results: list[dict], keys: tuple[str, ...]) -> list[dict]:
    return [dict(zip(keys, [*r["dimensions"], *r["metrics"]], strict=True)) for r in results]


def preset_summary(*, website: Website, params: ReportParams) -> dict:
    metrics = ("visits", "visitors", "pageviews", "bounce_rate", "visit_duration")
    query = _query(website, params, metrics=metrics, compare=params.comparison is not None)
    (result,) = query_run(website=website, query=query)["results"]
    payload: dict = {"period": params.period.as_dict()}
    if params.comparison is None:
        payload["metrics"] = {
            name: {"value": value}
            for name, value in zip(SUMMARY_METRICS, result["metrics"], strict=True)
        }
        return payload
    payload["comparison"] = params.comparison.label()
    comparison = result["comparison"]
    payload["metrics"] = {
        name: {"value": value, "previous": previous, "change_pct": change}
        for name, value, previous, change in zip(
            SUMMARY_METRICS,
            result["metrics"],
            comparison["metrics"],
            comparison["change"],
            strict=True,
        )
    }
    return payload


def preset_pages(*, website: Website, params: ReportParams) -> dict:
    query = _query(
        website,
        params,
        metrics=("pageviews", "visits"),
        dimensions=("event:page", "event:content_group"),
        filters=(PAGE_VIEWS_ONLY,),
    )
    keys = ("path", "contentGroup", "pageviews", "uniquePageviews")
    rows = _rows(_results(website, query, params), keys)
    return paginated(params, rows)


SOURCES = {
    "channel": (("visit:channel",), ("channel", "visits")),
    "domain": (("visit:source",), ("referrer", "visits")),
    "utm": (
        ("visit:utm_source", "visit:utm_medium", "visit:utm_campaign"),
        ("utmSource", "utmMedium", "utmCampaign", "visits"),
    ),
}


def preset_sources(*, website: Website, params: ReportParams) -> dict:
    dimensions, keys = SOURCES[params.extra.get("group_by", "channel")]
    # The domain and UTM lists leave out visits without any value.
    present = tuple(Leaf("is_not", dimension_get(name), (None,)) for name in dimensions)
    filters = () if dimensions == ("visit:channel",) else (Or(present),)
    query = _query(website, params, metrics=("visits",), dimensions=dimensions, filters=filters)
    return paginated(params, _rows(_results(website, query, params), keys))


DEVICE_LISTS = {
    "device_types": ("visit:device", "deviceType"),
    "browsers": ("visit:browser", "browserFamily"),
    "os_families": ("visit:os", "osFamily"),
    "screen_resolutions": ("visit:screen", "bucket"),
}


def preset_devices(*, website: Website, params: ReportParams) -> dict:
    payload: dict = {"period": params.period.as_dict()}
    for name, (dimension, key) in DEVICE_LISTS.items():
        query = _query(website, params, metrics=("visits",), dimensions=(dimension,))
        rows = query_run(website=website, query=query, paginate=False)["results"]
        payload[name] = _rows(rows, (key, "visits"))
    return payload


def preset_flow(*, website: Website, params: ReportParams) -> dict:
    payload: dict = {"period": params.period.as_dict()}
    if params.per_page is not None:
        payload["page"], payload["per_page"] = params.page, params.per_page
    for name, dimension, key in (
        ("landing_pages", "visit:entry_page", "entries"),
        ("exit_pages", "visit:exit_page", "exits"),
    ):
        filters: tuple[Filter, ...] = ()
        if params.content_group:
            # A group's landing (exit) rows: the visits whose first (last) page view is in it.
            page_group = dimension.replace("_page", "_content_group")
            filters = (Leaf("is", dimension_get(page_group), (params.content_group,)),)
        query = _query(
            website,
            replace(params, content_group=None),
            metrics=("visits",),
            dimensions=(dimension,),
            filters=filters,
        )
        payload[name] = _rows(_results(website, query, params), ("path", key))
    return payload


def preset_custom_events(*, website: Website, params: ReportParams) -> dict:
    filters: tuple[Filter, ...] = (CUSTOM_EVENTS_ONLY, NAMED)
    if params.extra.get("event_name"):
        filters += (Leaf("is", dimension_get("event:name"), (params.extra["event_name"],)),)
    if params.content_group:
        # A group keeps the custom events of the visits that viewed a page of it, wherever
        # they happened: a filter decided per session.
        filters += (And((Leaf("is", GROUP, (params.content_group,)),)),)
        params = replace(params, content_group=None)
    query = _query(
        website, params, metrics=("events",), dimensions=("event:name",), filters=filters
    )
    return paginated(params, _rows(_results(website, query, params), ("name", "count")))


def preset_funnel(*, website: Website, params: ReportParams) -> dict:
    """With or without filters: the funnel has no rollup, its runner reads the sessions."""
    steps: list[str] = params.extra["steps"]
    query = _query(website, params, metrics=("visits",))
    reached = funnel_run(website=website, query=query, steps=steps)
    funnel = [
        {
            "step": step,
            "sessions": sessions,
            "conversion_rate": 100 if index == 0 else rate(sessions, reached[index - 1]),
        }
        for index, (step, sessions) in enumerate(zip(steps, reached, strict=True))
    ]
    return {"period": params.period.as_dict(), "funnel": funnel}


# metric -> (engine metric, the filter a `path` becomes) for timeseries
TIMESERIES = {
    "visits": ("visits", "event:page"),
    "pageviews": ("pageviews", "event:page"),
    "unique_pageviews": ("visits", "event:page"),
    "bounce_rate": ("bounce_rate", "event:page"),
    "avg_session_duration": ("visit_duration", "event:page"),
    "landing_page_entries": ("visits", "visit:entry_page"),
    "exit_page_exits": ("visits", "visit:exit_page"),
}


def preset_timeseries(*, website: Website, params: ReportParams) -> dict:
    metric = params.extra.get("metric", "pageviews")
    path = params.extra.get("path")
    interval = params.extra.get("interval", "day")
    engine_metric, path_dimension = TIMESERIES[metric]
    filters: tuple[Filter, ...] = (
        (Leaf("is", dimension_get(path_dimension), (path,)),) if path else ()
    )
    if params.content_group and path_dimension.startswith("visit:"):
        # A group's entries (exits): the visits whose first (last) page view is in it.
        page_group = path_dimension.replace("_page", "_content_group")
        filters += (Leaf("is", dimension_get(page_group), (params.content_group,)),)
        params = replace(params, content_group=None)
    dimensions: tuple[str, ...] = (f"time:{interval}",)
    if metric == "unique_pageviews":
        # The sum over paths of the visits that viewed each (in the group, with one).
        dimensions += ("event:page",)
    query = _query(
        website, params, metrics=(engine_metric,), dimensions=dimensions, filters=filters
    )
    values: dict[str, float] = defaultdict(int)
    for result in query_run(website=website, query=query, paginate=False)["results"]:
        values[result["dimensions"][0]] += result["metrics"][0]
    convert = float if metric == "bounce_rate" else int
    series = [
        {"date": bucket.label, "value": convert(values.get(bucket.label, 0))}
        for bucket in buckets(days=params.period, interval=interval, tz=query.tz)
    ]
    return {
        "period": params.period.as_dict(),
        "metric": metric,
        "path": path or "*",
        "series": series,
    }
