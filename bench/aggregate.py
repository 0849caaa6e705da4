"""Aggregation speed: one day of 1M events through `day_aggregate`, against a plain scan.

    .venv/bin/python bench/aggregate.py [--events 1000000] [--runs 3] [--reload]

Loads N events of realistic visits (the generator of bench/reports.py: 1 to 3 visits per visitor,
scrolls, exits, outbound clicks, custom events, 2% bots) on one UTC day into a website of its own
in the bench database (BENCH_DATABASE_URL, created and migrated if missing), through
`manage.py import_events`, the collect pipeline. The load is kept: later runs reuse it unless
`--reload`. Then, in the same run, times a plain `SELECT count(*)` of that day's rows and
`day_aggregate` of the day (median of `--runs`, after one warm-up of each), and prints both
and their ratio; a `count(DISTINCT ip_hash)` of the same rows (which reads and sorts them all)
gives a second yardstick. The day rows by dimension (`stats.services.day_dimensions_write`,
which `day_aggregate` runs through its signal) are timed alone on the same day, in a transaction
with `day_aggregate`'s settings: their share.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup
from bench.reports import day_events

DOMAIN = "aggregate.bench.example"
DAY = date(2026, 1, 15)


def load(website, *, count: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    rng = random.Random(20260115)
    source = Path(tempfile.mkdtemp()) / "aggregate-events.ndjson"
    began = time.perf_counter()
    day_start = datetime.combine(DAY, day_time.min, tzinfo=UTC)
    with source.open("w") as out:
        for event in day_events(rng, str(website.pk), day_start, count, DOMAIN):
            out.write(json.dumps(event) + "\n")
    print(f"generated {count:,} events in {time.perf_counter() - began:.0f}s; importing...")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ingest_event WHERE website_id = %s", [website.pk])
    began = time.perf_counter()
    call_command("import_events", str(source), "--no-progress")
    print(f"import_events took {time.perf_counter() - began:.0f}s")
    source.unlink()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingest_event")


def seconds(function, runs: int) -> float:
    """Median seconds of `runs` calls after one warm-up."""
    function()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()

    django_setup()
    from django.db import connection, transaction

    from accounts.services import account_get_or_create
    from aggregation.services import AGGREGATE_WORK_MEM, day_aggregate
    from stats.services import day_dimensions_write
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
    bounds = [
        website.pk,
        datetime.combine(DAY, day_time.min, tzinfo=UTC),
        datetime.combine(DAY + timedelta(days=1), day_time.min, tzinfo=UTC),
    ]
    count_sql = (
        "SELECT count(*) FROM ingest_event"
        " WHERE website_id = %s AND timestamp >= %s AND timestamp < %s"
    )

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(count_sql, bounds)
            return cursor.fetchone()[0]

    stored = count()
    if args.reload or stored < args.events * 0.99:
        load(website, count=args.events)
        stored = count()
    print(f"{stored:,} events of {website.domain} on {DAY}")

    def read() -> None:
        # Every row read from the heap (the plain count can be answered from the index alone).
        with connection.cursor() as cursor:
            cursor.execute(count_sql.replace("count(*)", "count(DISTINCT ip_hash)"), bounds)

    scan = seconds(count, args.runs)
    rows_read = seconds(read, args.runs)
    aggregate = seconds(lambda: day_aggregate(website_id=website.pk, day=DAY), args.runs)

    def day_rows_write() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'")
            cursor.execute("SET LOCAL jit = off")
            day_dimensions_write(website_id=website.pk, day=DAY)

    day_rows = seconds(day_rows_write, args.runs)
    written = day_aggregate(website_id=website.pk, day=DAY)
    print("rollup rows: " + ", ".join(f"{table} {rows:,}" for table, rows in written.items()))
    print(f"\nmedian of {args.runs} runs after a warm-up")
    print(f"count(*) of the day's rows          {scan:8.3f} s")
    print(f"count(DISTINCT ip_hash), same rows  {rows_read:8.3f} s")
    print(
        f"day_aggregate of the day            {aggregate:8.3f} s"
        f"   ({aggregate / scan:.0f}x the count(*),"
        f" {aggregate / rows_read:.1f}x the distinct count)"
    )
    print(
        f"  of which the day rows (alone)     {day_rows:8.3f} s"
        f"   ({day_rows / aggregate:.0%} of day_aggregate)"
    )


if __name__ == "__main__":
    main()
