from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from aggregation import services
from aggregation.retention import RawEventsDropped
from aggregation.selectors import aggregation_day_websites
from analytics_site.calendar import LATEST_TIME_ZONE, local_date
from analytics_site.outages import through_outages
from websites.models import Website


class Command(BaseCommand):
    help = (
        "Aggregates past days into the rollups (backfills): --date D, or --from D --to D; "
        "every website with events on each day, or only --website ID."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--from", dest="start", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--website", help="UUID of one website")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, date, start, end, website, no_progress, **options):
        days = self._days(date, start, end)
        if website is not None and not Website.objects.filter(pk=website).exists():
            raise CommandError(f"No website with id {website}.")
        work = [
            (website_id, day)
            for day in days
            for website_id in ([website] if website else aggregation_day_websites(day=day))
        ]
        skipped = 0
        for website_id, day in tqdm(work, unit=" website-days", disable=no_progress):
            try:
                # Idempotent: a backfill waits out a database outage instead of stopping.
                through_outages(
                    lambda website_id=website_id, day=day: services.day_aggregate(
                        website_id=website_id, day=day
                    ),
                    what=f"Aggregating {day} of website {website_id}",
                )
            except RawEventsDropped as error:
                self.stdout.write(f"Skipped website {website_id}: {error}")
                skipped += 1
        self.stdout.write(
            f"Aggregated {len(work) - skipped} website-days from {days[0]} to {days[-1]}."
        )

    def _days(self, single, start, end) -> list[date]:
        if single and (start or end):
            raise CommandError("Give --date, or --from and --to, not both.")
        if single:
            start = end = single
        if not (start and end):
            raise CommandError("Give --date D, or --from D --to D.")
        if start > end:
            raise CommandError("--from is after --to.")
        if end > local_date(timezone.now(), LATEST_TIME_ZONE):
            raise CommandError("Future days cannot be aggregated.")
        return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
