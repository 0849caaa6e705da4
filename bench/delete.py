"""Deleting a busy website: the DELETE API's answer, then its purge by a real Celery worker.

    .venv/bin/python bench/delete.py [--events 1000000] [--neighbour-events 200000]

In the bench database (BENCH_DATABASE_URL, created and migrated if missing): a website with
`--events` page views over one UTC day and that day aggregated (rollups to purge too), beside
a neighbour website whose events share the partition and stay. Times `DELETE
/api/v1/websites/:id` (in-process, through the whole API stack), then the purge by a Celery
worker subprocess, from the answer until the website's row is gone; then, for comparison, one
`DELETE FROM ingest_event WHERE website_id = …` statement over the same number of rows (what the
old cascading delete did while holding its locks).
"""

import argparse
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_env, django_setup

DAY = date(2026, 2, 10)


def events_generate(website_id, count: int) -> float:
    """`count` page views spread over DAY, in one statement; returns its seconds."""
    from ingest.demo import page_views_bulk_insert

    start = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC)
    began = time.perf_counter()
    page_views_bulk_insert(
        website_id=website_id, first=start, last=start + timedelta(seconds=86399), count=count
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--neighbour-events", type=int, default=200_000)
    args = parser.parse_args()

    django_setup()
    from django.conf import settings
    from django.db import connection
    from rest_framework.test import APIClient

    from accounts.models import Role
    from accounts.services import account_get_or_create, user_create
    from aggregation.services import day_aggregate
    from websites.models import Website
    from websites.services import website_create

    account = account_get_or_create(name="Bench")
    _, api_key = user_create(account=account, role=Role.ADMIN)
    neighbour = Website.objects.filter(account=account, domain="neighbour.bench.example").first()
    if neighbour is None:
        neighbour = website_create(account=account, domain="neighbour.bench.example")
        events_generate(neighbour.pk, args.neighbour_events)
    doomed = website_create(account=account, domain=f"doomed-{time.time_ns()}.bench.example")
    print(f"loaded {args.events:,} events in {events_generate(doomed.pk, args.events):.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingest_event")
    # Started now, it is ready by the time the aggregation is done.
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "analytics_site", "worker", "--pool", "solo"),
            *("--loglevel", "WARNING", "--without-mingle", "--without-gossip"),
        ],
        env=bench_env(),
        cwd=ROOT,
    )
    began = time.perf_counter()
    written = day_aggregate(website_id=doomed.pk, day=DAY)
    print(
        f"aggregated in {time.perf_counter() - began:.1f}s "
        f"({sum(written.values()):,} rollup rows to purge too)"
    )

    try:
        client = APIClient(HTTP_HOST="localhost")
        client.credentials(HTTP_X_API_KEY=api_key)
        assert client.get("/api/v1/websites").status_code == 200  # warm-up
        began = time.perf_counter()
        response = client.delete(f"/api/v1/websites/{doomed.pk}")
        answered = time.perf_counter() - began
        assert response.status_code == 200, response.content
        while Website.all_objects.filter(pk=doomed.pk).exists():
            time.sleep(0.05)
        purged = time.perf_counter() - began
    finally:
        worker.terminate()
        worker.wait()

    print(f"\nDELETE /api/v1/websites/:id answered in  {answered * 1000:8.1f} ms")
    batch_rows = settings.TRAILMARK_PURGE_BATCH_ROWS
    batches = -(-args.events // batch_rows)
    print(
        f"background purge (worker)             {purged:8.1f} s   "
        f"({args.events / purged:,.0f} events/s; {batches} event batches of "
        f"{batch_rows:,}, {purged / batches * 1000:.0f} ms each on average)"
    )

    # The same rows deleted by the one statement the old cascade ran.
    reference = website_create(account=account, domain=f"reference-{time.time_ns()}.bench.example")
    events_generate(reference.pk, args.events)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingest_event")
        cursor.execute("SET statement_timeout = 0")
        began = time.perf_counter()
        cursor.execute("DELETE FROM ingest_event WHERE website_id = %s", [reference.pk])
        single = time.perf_counter() - began
        cursor.execute("DELETE FROM websites_website WHERE id = %s", [reference.pk])
    print(f"one DELETE statement, same rows       {single:8.1f} s   (all locks held throughout)")


if __name__ == "__main__":
    main()
