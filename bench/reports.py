"""Report speed over raw events: ms per report (median of several runs) for 7d and 30d.

    .venv/bin/python bench/reports.py [--events 1000000] [--runs 5] [--reload]

Loads about N events of realistic visits (1 to 3 visits per visitor a day, several page views
each with scrolls, exits, outbound clicks and custom events, 2% bots) over the 30 UTC days ending
yesterday into a website of the bench database (BENCH_DATABASE_URL, created and migrated if
missing) with `manage.py import_events`, the collect pipeline. The load is kept: later runs reuse
it unless `--reload`. Then times every report's selector (the SQL and the payload it builds,
every row read; no HTTP) with "today" frozen at the last day of data.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REFERRERS, USER_AGENTS, django_setup

DOMAIN = "reports.bench.example"
DAYS = 30
BOT_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PATHS = (
    ["/", "/pricing", "/signup", "/about", "/contact", "/blog", "/docs"]
    + [f"/blog/post-{n}" for n in range(1, 301)]
    + [f"/docs/page-{n}" for n in range(1, 101)]
)
# Zipf-like popularity: a few pages take most views, a long tail takes the rest.
PATH_WEIGHTS = [1 / (rank + 1) ** 0.9 for rank in range(len(PATHS))]
SCREEN_WIDTHS = [360, 390, 414, 768, 1024, 1280, 1440, 1920, 2560]
CUSTOM_EVENTS = ["signup_complete", "video_play", "download", "newsletter_join"]
UTM = "?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
# Average events per visitor a day with the draws below (measured), to size the load.
EVENTS_PER_VISITOR = 8.8


def visitor_events(rng: random.Random, website_id: str, day_start: datetime) -> list[dict]:
    """One visitor's events of one day: visits separated by more than 30 minutes."""
    ip = ".".join(str(rng.randint(1, 223)) for _ in range(4))
    agent = BOT_AGENT if rng.random() < 0.02 else rng.choice(USER_AGENTS)
    width = rng.choice(SCREEN_WIDTHS)
    moment = day_start + timedelta(seconds=rng.uniform(0, 20 * 3600))
    day_end = day_start + timedelta(days=1)
    events = []

    def emit(event_type: str, path: str, referrer: str, **extra) -> None:
        events.append(
            {
                "website_id": website_id,
                "event_type": event_type,
                "url": f"https://{DOMAIN}{path}",
                "path": path,
                "referrer": referrer,
                "screen_width": width,
                "screen_height": 900,
                "timestamp": moment.isoformat(),
                "ip": ip,
                "user_agent": agent,
                **extra,
            }
        )

    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        referrer = rng.choice(REFERRERS)
        tagged = rng.random() < 0.1
        previous = None
        for _ in range(min(10, 1 + int(rng.expovariate(0.5)))):
            path = rng.choices(PATHS, PATH_WEIGHTS)[0]
            emit(
                "page_view",
                path,
                f"https://{DOMAIN}{previous}" if previous else referrer,
                **({"url": f"https://{DOMAIN}{path}{UTM}"} if tagged and not previous else {}),
            )
            previous = path
            for depth in ("scroll_25", "scroll_50", "scroll_75"):
                if rng.random() > 0.45:
                    break
                moment += timedelta(seconds=rng.uniform(2, 40))
                emit(depth, path, "")
            if rng.random() < 0.05:
                emit("outbound_link", path, "")
            if rng.random() < 0.04:
                emit("custom", path, "", event_name=rng.choice(CUSTOM_EVENTS))
            moment += timedelta(seconds=rng.uniform(5, 300))
        if rng.random() < 0.5:
            emit("close_tab", previous, "")
        moment += timedelta(minutes=rng.uniform(31, 240))
        if moment >= day_end:
            break
    return [event for event in events if event["timestamp"] < day_end.isoformat()]


def load(website, *, count: int, first_day: datetime) -> None:
    from django.core.management import call_command
    from django.db import connection

    rng = random.Random(20260310)
    per_day = count // DAYS
    source = Path(tempfile.mkdtemp()) / "report-events.ndjson"
    written = 0
    began = time.perf_counter()
    with source.open("w") as out:
        for day in range(DAYS):
            day_start = first_day + timedelta(days=day)
            events_of_day = []
            while len(events_of_day) < per_day:
                events_of_day.extend(visitor_events(rng, str(website.pk), day_start))
            for event in events_of_day[:per_day]:
                out.write(json.dumps(event) + "\n")
                written += 1
    print(f"generated {written:,} events in {time.perf_counter() - began:.0f}s; importing...")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ingest_event WHERE website_id = %s", [website.pk])
    began = time.perf_counter()
    call_command("import_events", str(source), "--no-progress")
    print(f"import_events took {time.perf_counter() - began:.0f}s")
    source.unlink()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingest_event")


def timed(function, runs: int) -> tuple[float, object]:
    """Median milliseconds of `runs` calls after one warm-up, and the last result."""
    result = function()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def consume(payload: dict) -> dict:
    """Reads every lazy row list (as a response would) and returns the payload."""
    return {
        key: list(value) if isinstance(value, Iterator) else value for key, value in payload.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()

    django_setup()
    from django.db import connection

    from accounts.services import account_get_or_create
    from reports import selectors
    from reports.params import report_params_build
    from websites.models import Website
    from websites.services import website_create

    account = account_get_or_create(name="Bench")
    website = Website.objects.filter(account=account, domain=DOMAIN).first() or website_create(
        account=account,
        domain=DOMAIN,
        content_groups=[
            {"name": "Blog", "pattern": "/blog/*"},
            {"name": "Docs", "pattern": "/docs/*"},
        ],
    )
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = today - timedelta(days=DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), min(timestamp) FROM ingest_event WHERE website_id = %s",
            [website.pk],
        )
        stored, first = cursor.fetchone()
    if args.reload or stored < args.events * 0.9 or first is None or first < first_day:
        load(website, count=args.events, first_day=first_day)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), min(timestamp) FROM ingest_event WHERE website_id = %s",
                [website.pk],
            )
            stored, first = cursor.fetchone()
    last_day = first.astimezone(UTC).date() + timedelta(days=DAYS - 1)
    now = datetime.combine(last_day, datetime.max.time(), tzinfo=UTC)
    print(f"{stored:,} events of {website.domain} from {first:%Y-%m-%d} to {last_day}")

    reports = [
        ("summary", selectors.report_summary, {}),
        ("summary compare", selectors.report_summary, {"compare": "previous_period"}),
        ("pages", selectors.report_pages, {}),
        ("sources", selectors.report_sources, {"group_by": "channel"}),
        ("devices", selectors.report_devices, {}),
        ("flow", selectors.report_flow, {}),
        ("funnel", selectors.report_funnel, {"steps": ["/", "/pricing", "/signup"]}),
        ("realtime", selectors.report_realtime, {}),
        ("custom-events", selectors.report_custom_events, {}),
        ("timeseries", selectors.report_timeseries, {"metric": "visits"}),
        ("pages csv (all rows)", selectors.report_pages, {"csv": True}),
    ]
    periods = ("7d", "30d")
    month = report_params_build(
        website=website,
        data={"period": "30d", "include_bots": "false", "page": 1, "per_page": 50},
        now=now,
    )
    figures = selectors.report_summary(website=website, params=month)["metrics"]
    print(", ".join(f"{name} {metric['value']:,}" for name, metric in figures.items()), "(30d)")
    print(f"\nms per report, median of {args.runs} runs ({len(periods)} periods)")
    print(f"{'report':<24}" + "".join(f"{period:>10}" for period in periods))
    for name, selector, extra in reports:
        figures = []
        for period in periods:
            data = {
                "period": period,
                "include_bots": "false",
                "page": 1,
                "per_page": 50,
                **{key: value for key, value in extra.items() if key != "csv"},
            }
            # Realtime reads the 30 minutes before a busy afternoon, not before midnight.
            at = now.replace(hour=15, minute=0) if name == "realtime" else now
            params = report_params_build(
                website=website, data=data, now=at, paginate="csv" not in extra
            )
            ms, _ = timed(
                lambda selector=selector, params=params: consume(
                    selector(website=website, params=params)
                ),
                args.runs,
            )
            figures.append(ms)
        print(f"{name:<24}" + "".join(f"{ms:>10.0f}" for ms in figures))


if __name__ == "__main__":
    main()
