import sys

from celery import current_app
from django.core.management.base import BaseCommand
from tqdm import tqdm

from ingest.importer import events_import


class Command(BaseCommand):
    help = (
        "Imports NDJSON events (collect fields plus timestamp, ip, user_agent) from FILE, "
        "or stdin with '-', through the collect pipeline, stored in bulk."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="NDJSON file, or - for stdin")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file: str, batch_size: int, no_progress: bool, **options):
        # Bytes: each line is decoded (and refused when not UTF-8) by the collect validation.
        source = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
        progress = tqdm(unit=" events", disable=no_progress, file=sys.stderr, mininterval=0.5)
        result = None
        seen = 0
        with source, progress:
            for result in events_import(source, batch_size=batch_size):
                done = result.imported + result.dropped + result.invalid
                progress.update(done - seen)
                seen = done
        for number, reason in result.invalid_lines:
            self.stderr.write(f"line {number}: {reason}")
        if result.invalid > len(result.invalid_lines):
            self.stderr.write(f"... and {result.invalid - len(result.invalid_lines)} more")
        self.stdout.write(
            f"imported {result.imported}, dropped {result.dropped} "
            f"(bots {result.bots}, excluded {result.excluded}, unknown site "
            f"{result.unknown_site}), invalid {result.invalid}"
        )
        if result.imported:
            # The days it touched are stale: have them aggregated now, not at the next hourly run
            # (reports read them from raw events until then). Queued by name: the rollups are
            # the aggregation app's, which builds on this one.
            current_app.send_task("aggregation.tasks.aggregate_pending_days")
