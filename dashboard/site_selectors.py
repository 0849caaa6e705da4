"""The figures of the /sites/ list, read through the query engine like every other figure."""

from dataclasses import dataclass

from dashboard.selectors import website_has_events
from reports.params import queries_build
from stats.query import query_parse
from stats.runner import query_run
from websites.models import Website

SPARKLINE_PERIOD = "30d"


@dataclass(frozen=True)
class SiteSummary:
    website: Website
    # (local date "YYYY-MM-DD", visitors) for each of the last 30 days, today last; 0 when none.
    days: list[tuple[str, int]]
    today_visitors: int
    # False only for a site that never recorded anything (it waits for its snippet).
    has_events: bool

    @property
    def has_visitors(self) -> bool:
        return any(visitors for _, visitors in self.days)


def website_query_run(*, website: Website, body: dict) -> dict:
    """`query_run`'s answer to a query body for this website (its time zone's today).

    The body is built by our own pages, never sent by a visitor: a QueryError here is a bug.
    """
    [query] = queries_build(
        website=website, parsed=[query_parse({"website_id": str(website.pk), **body})]
    )
    return query_run(website=website, query=query)


def site_summary(*, website: Website) -> SiteSummary:
    """The website's visitors per day over 30 days and today: two queries of the engine (and,
    for a site without visitors in 30 days, whether it ever recorded an event)."""
    series = website_query_run(
        website=website,
        body={"date_range": SPARKLINE_PERIOD, "metrics": ["visitors"], "dimensions": ["time:day"]},
    )
    by_day = {row["dimensions"][0]: row["metrics"][0] for row in series["results"]}
    today = website_query_run(
        website=website, body={"date_range": "today", "metrics": ["visitors"]}
    )
    return SiteSummary(
        website=website,
        days=[(label, by_day.get(label, 0)) for label in series["meta"]["time_labels"]],
        today_visitors=today["results"][0]["metrics"][0] if today["results"] else 0,
        # Asked only of a site without visitors in 30 days: quiet, or never tracked yet?
        has_events=bool(by_day) or website_has_events(website=website),
    )
