"""Report speed: ms per report (median of several runs), over raw events and over rollups.

    .venv/bin/python bench/reports.py [--only raw|history] [--events 1000000] [--per-day 100000]
                                      [--today-events 50000] [--runs 5] [--reload]

Both scenarios load realistic visits (1 to 3 visits per visitor a day, several page views each
with scrolls, exits, outbound clicks and custom events, 2% bots) into a website of their own in
the bench database (BENCH_DATABASE_URL, created and migrated if missing) with
`manage.py import_events`, the collect pipeline, and keep the load for later runs unless
`--reload`. They time every report's selector (the SQL and the payload it builds, every row
read; no HTTP).

- raw: about N events over the 30 UTC days ending yesterday; the reference queries
  (`reports.reference`, raw events only) for 7d and 30d, "today" frozen at the last day of data.
- history: a year at `--per-day` events a day: the 364 days before today aggregated (yesterday
  imported and aggregated by `day_aggregate`, its rollup rows copied to the 363 days before) and
  today's `--today-events` raw events, read live as every report reads today; the production
  selectors (`reports.selectors`) for 7d, 90d and 12m, and the ratio 12m / 7d.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
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


def visitor_events(
    rng: random.Random, website_id: str, day_start: datetime, domain: str = DOMAIN
) -> list[dict]:
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
                "url": f"https://{domain}{path}",
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
                f"https://{domain}{previous}" if previous else referrer,
                **({"url": f"https://{domain}{path}{UTM}"} if tagged and not previous else {}),
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


def day_events(
    rng: random.Random, website_id: str, day_start: datetime, count: int, domain: str = DOMAIN
) -> list[dict]:
    """About `count` events of whole visitors' days (the last visitor's cut short)."""
    events: list[dict] = []
    while len(events) < count:
        events.extend(visitor_events(rng, website_id, day_start, domain))
    return events[:count]


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
            for event in day_events(rng, str(website.pk), first_day + timedelta(days=day), per_day):
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


def bench_website(domain: str):
    from accounts.services import account_get_or_create
    from websites.models import Website
    from websites.services import website_create

    account = account_get_or_create(name="Bench")
    return Website.objects.filter(account=account, domain=domain).first() or website_create(
        account=account,
        domain=domain,
        content_groups=[
            {"name": "Blog", "pattern": "/blog/*"},
            {"name": "Docs", "pattern": "/docs/*"},
        ],
    )


def print_timings(
    website, module, reports, periods, *, now, runs: int, ratio: bool = False
) -> dict:
    """Prints a table of median ms per report and period (and the ratio of the last period to
    the first); returns {report: [ms, ...]}."""
    from reports.params import report_params_build

    ratio_title = f"{periods[-1]}/{periods[0]}" if ratio else ""
    print(f"{'report':<26}" + "".join(f"{p:>10}" for p in periods) + f"{ratio_title:>10}".rstrip())
    table = {}
    for name, selector_name, extra in reports:
        selector = getattr(module, selector_name)
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
                runs,
            )
            figures.append(ms)
        table[name] = figures
        line = f"{name:<26}" + "".join(f"{ms:>10.1f}" for ms in figures)
        if ratio:
            line += f"{figures[-1] / figures[0]:>10.2f}"
        print(line, flush=True)
    return table


REPORTS = [
    ("summary", "report_summary", {}),
    ("summary compare", "report_summary", {"compare": "previous_period"}),
    ("pages", "report_pages", {}),
    ("sources", "report_sources", {"group_by": "channel"}),
    ("devices", "report_devices", {}),
    ("flow", "report_flow", {}),
    ("funnel", "report_funnel", {"steps": ["/", "/pricing", "/signup"]}),
    ("realtime", "report_realtime", {}),
    ("custom-events", "report_custom_events", {}),
    ("timeseries", "report_timeseries", {"metric": "visits"}),
    ("pages csv (all rows)", "report_pages", {"csv": True}),
]


def raw_bench(args) -> None:
    """The reference queries over raw events: 1M events over 30 days, 7d and 30d."""
    from django.db import connection

    from reports import reference

    website = bench_website(DOMAIN)
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
    print(f"\nraw events (reference queries): ms per report, median of {args.runs} runs")
    print_timings(website, reference, REPORTS, ("7d", "30d"), now=now, runs=args.runs)


HISTORY_DOMAIN = "history.bench.example"
HISTORY_DAYS = 365
HISTORY_REPORTS = [
    *REPORTS[:4],
    ("sources domain", "report_sources", {"group_by": "domain"}),
    ("sources utm", "report_sources", {"group_by": "utm"}),
    ("pages content_group=Blog", "report_pages", {"content_group": "Blog"}),
    *REPORTS[4:],
    ("custom-events bots", "report_custom_events", {"include_bots": "true"}),
    ("timeseries path", "report_timeseries", {"metric": "visits", "path": "/pricing"}),
    ("timeseries pageviews path", "report_timeseries", {"metric": "pageviews", "path": "/"}),
]


def history_days(today: date) -> tuple[date, date]:
    """The aggregated history: the 364 days before today."""
    return today - timedelta(days=HISTORY_DAYS - 1), today - timedelta(days=1)


def history_ready(website, *, today: date, today_events: int) -> bool:
    from django.db import connection

    from aggregation.models import AggregationDay

    first, last = history_days(today)
    aggregated = (
        AggregationDay.objects.aggregated()
        .filter(website=website, day__range=(first, last))
        .count()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ingest_event WHERE website_id = %s AND timestamp >= %s",
            [website.pk, datetime.combine(today, datetime.min.time(), tzinfo=UTC)],
        )
        (raw_today,) = cursor.fetchone()
    return aggregated == HISTORY_DAYS - 1 and raw_today == today_events


def history_load(website, *, per_day: int, today_events: int, today: date) -> None:
    """The fastest honest load: yesterday (`per_day` events) and today (`today_events`) through
    import_events; yesterday aggregated by day_aggregate; its day rows copied by SQL to the 363
    days before, which are marked aggregated (their raw events are not needed), and the month
    rows recomputed from them."""
    from django.core.management import call_command
    from django.db import connection

    from aggregation.models import ROLLUP_MODELS, AggregationDay
    from aggregation.services import day_aggregate, rollup_month_refresh
    from aggregation.sql import ROLLUPS

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ingest_event WHERE website_id = %s", [website.pk])
    AggregationDay.objects.filter(website=website).delete()
    for model in ROLLUP_MODELS:
        model.objects.filter(website=website).delete()

    rng = random.Random(20261122)
    yesterday = today - timedelta(days=1)
    source = Path(tempfile.mkdtemp()) / "history-events.ndjson"
    began = time.perf_counter()
    with source.open("w") as out:
        for day, count in ((yesterday, per_day), (today, today_events)):
            start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            for event in day_events(rng, str(website.pk), start, count, HISTORY_DOMAIN):
                out.write(json.dumps(event) + "\n")
    print(f"generated {per_day + today_events:,} events in {time.perf_counter() - began:.0f}s")
    began = time.perf_counter()
    call_command("import_events", str(source), "--no-progress")
    print(f"import_events took {time.perf_counter() - began:.0f}s")
    source.unlink()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingest_event")
    began = time.perf_counter()
    day_aggregate(website_id=website.pk, day=yesterday)
    print(f"day_aggregate of yesterday took {time.perf_counter() - began:.1f}s")

    first, last = history_days(today)
    with connection.cursor() as cursor:
        for table, rollup in ROLLUPS.items():
            others = [*rollup.keys, *rollup.counts]
            cursor.execute(
                f"""
                INSERT INTO {table} (website_id, day, {", ".join(others)})
                SELECT r.website_id, d::date, {", ".join(f"r.{c}" for c in others)}
                FROM {table} r
                CROSS JOIN generate_series(%(first)s::date, %(last)s::date, '1 day') AS d
                WHERE r.website_id = %(website)s AND r.day = %(yesterday)s AND NOT r.is_month
                """,
                {
                    "first": first,
                    "last": last - timedelta(days=1),
                    "yesterday": yesterday,
                    "website": website.pk,
                },
            )
        cursor.execute(
            """
            INSERT INTO aggregation_aggregationday (website_id, day, stale, aggregated_at)
            SELECT %(website)s, d::date, false, now()
            FROM generate_series(%(first)s::date, %(last)s::date, '1 day') AS d
            ON CONFLICT (website_id, day) DO UPDATE SET stale = false, aggregated_at = now()
            """,
            {"first": first, "last": last - timedelta(days=1), "website": website.pk},
        )
    month = first.replace(day=1)
    while month <= last:
        rollup_month_refresh(website_id=website.pk, month=month)
        month = (month + timedelta(days=32)).replace(day=1)
    with connection.cursor() as cursor:
        for table in [*ROLLUPS, "aggregation_aggregationday"]:
            cursor.execute(f"VACUUM ANALYZE {table}")


def history_bench(args) -> None:
    """Reports over a year of rollups and today's raw events: 7d, 90d and 12m."""
    from django.db import connection

    from aggregation.sql import ROLLUPS
    from reports import selectors

    website = bench_website(HISTORY_DOMAIN)
    today = datetime.now(UTC).date()
    if args.reload or not history_ready(website, today=today, today_events=args.today_events):
        history_load(website, per_day=args.per_day, today_events=args.today_events, today=today)
    rows = {}
    with connection.cursor() as cursor:
        for table in ROLLUPS:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE website_id = %s", [website.pk])
            rows[table] = cursor.fetchone()[0]
    first, last = history_days(today)
    print(
        f"\n{website.domain}: {first} .. {last} aggregated ({args.per_day:,} events a day),"
        f" today {today} raw: {args.today_events:,} events"
    )
    print("rollup rows: " + ", ".join(f"{table} {count:,}" for table, count in rows.items()))
    print(f"\nms per report, median of {args.runs} runs")
    now = datetime.combine(today, datetime.max.time(), tzinfo=UTC)
    print_timings(
        website,
        selectors,
        HISTORY_REPORTS,
        ("7d", "90d", "12m"),
        now=now,
        runs=args.runs,
        ratio=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("raw", "history"))
    parser.add_argument("--events", type=int, default=1_000_000, help="raw: events in 30 days")
    parser.add_argument("--per-day", type=int, default=100_000, help="history: events a day")
    parser.add_argument(
        "--today-events", type=int, default=50_000, help="history: raw events of today"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()

    django_setup()
    if args.only in (None, "raw"):
        raw_bench(args)
    if args.only in (None, "history"):
        history_bench(args)


if __name__ == "__main__":
    main()
