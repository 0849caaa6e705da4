"""Dashboard speed: the first render of a 12-month dashboard, all panels, and its SQL statements.

    .venv/bin/python bench/dashboard.py [--period 12m] [--runs 5]
    .venv/bin/python bench/dashboard.py --load --days 7 --per-day 5000   # a small trial database

Reads the website of `bench/query.py` (query.bench.example, America/New_York: a year of stored
sessions, rollups and day rows at 100k events a day, and today's raw events) in the bench
database (BENCH_DATABASE_URL) and writes nothing to it, unless `--load` loads that website first
with `bench.query.load` (for a database of your own). Renders the page as the signed-in view does
(`dashboard.pages.dashboard_page`: every query of the engine, the templates, realtime) for a
request without a session, so the two session look-ups of a real request are not counted. Prints
the first render's milliseconds, the median of `--runs` more, the SQL statements of a render and
the slowest of them; then the same for a panel's tab fetched alone and the realtime fragment.
"""

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup

SLOWEST = 6


def measure(render, runs: int) -> tuple[float, float, list[dict]]:
    """The first call's ms, the median ms of `runs` more, and the statements of the last.
    Stops at a page that is not a 200 (a 503: its time budget spent), saying so."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    began = time.perf_counter()
    response = render()
    first = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        sys.exit(f"answered {response.status_code} after {first:.0f} ms")
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = render()
            times.append((time.perf_counter() - began) * 1000)
    return first, statistics.median(times), captured.captured_queries


def report(label: str, first: float, median: float, statements: list[dict]) -> None:
    print(f"\n{label}")
    print(f"  first render        {first:>9.0f} ms")
    print(f"  median of the rest  {median:>9.0f} ms")
    sql_ms = sum(float(statement["time"]) for statement in statements) * 1000
    print(f"  SQL statements      {len(statements):>9}     ({sql_ms:.0f} ms of SQL)")
    slowest = sorted(statements, key=lambda statement: -float(statement["time"]))[:SLOWEST]
    for statement in slowest:
        text = " ".join(statement["sql"].split())
        print(f"    {float(statement['time']) * 1000:>7.0f} ms  {text[:110]}")


def engine_calls_timed(selectors) -> list[tuple[str, float]]:
    """Records each `query_run` of the dashboard's selectors: (what it asks, ms)."""
    calls: list[tuple[str, float]] = []
    run = selectors.query_run

    def timed_run(*, website, query, **options):
        began = time.perf_counter()
        answer = run(website=website, query=query, **options)
        asked = ", ".join(d.name for d in query.dimensions) or "no dimension"
        days = f"{query.date_range.start} to {query.date_range.end}"
        label = f"{asked} ({len(query.metrics)} metrics, {len(query.filters)} filters, {days})"
        calls.append((label, (time.perf_counter() - began) * 1000))
        return answer

    selectors.query_run = timed_run
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--period", default="12m")
    parser.add_argument("--filters", help="the page's filters JSON (default none)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load", action="store_true", help="load the website first (own DB)")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--per-day", type=int, default=5000)
    options = parser.parse_args()
    django_setup()

    from django.test import RequestFactory

    from analytics_site.calendar import local_date
    from bench.query import DOMAIN, TIME_ZONE, load, todays_closed_sessions_store
    from bench.reports import bench_website
    from dashboard import pages, selectors
    from websites.models import Website

    if options.load:
        website = bench_website(DOMAIN)
        website.timezone = TIME_ZONE
        website.save(update_fields=["timezone"])
        today = local_date(datetime.now(UTC), TIME_ZONE)
        load(
            website,
            days=options.days,
            per_day=options.per_day,
            today_events=options.per_day,
            today=today,
        )
        todays_closed_sessions_store(website, today)
    website = Website.objects.filter(domain=DOMAIN).order_by("created_at").first()
    if website is None:
        sys.exit(f"No website {DOMAIN} in the bench database: run bench/query.py (or --load).")

    factory = RequestFactory()
    params = {"period": options.period, **({"filters": options.filters} if options.filters else {})}
    print(f"{DOMAIN} ({website.timezone}), {params}, {options.runs} runs")

    def dashboard():
        return pages.dashboard_page(factory.get("/", params), website=website, mode="owner")

    def panel_tab():
        request = factory.get("/", {**params, "sources_tab": "referrers"})
        return pages.panel_fragment(request, website=website, panel_slug="sources", mode="owner")

    def realtime():
        return pages.realtime_fragment(factory.get("/", params), website=website, mode="owner")

    calls = engine_calls_timed(selectors)
    report("dashboard, all panels (first tab of each), realtime", *measure(dashboard, options.runs))
    print("  its queries of the engine (last render):")
    for label, ms in calls[-len(calls) // (options.runs + 1) :]:
        print(f"    {ms:>7.0f} ms  {label}")
    report("one panel's tab fetched alone (sources: referrers)", *measure(panel_tab, options.runs))
    report("realtime fragment", *measure(realtime, options.runs))


if __name__ == "__main__":
    main()
