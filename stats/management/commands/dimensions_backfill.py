from django.core.management.base import BaseCommand

from stats.services import day_dimensions_backfill


class Command(BaseCommand):
    help = (
        "Writes the day rows (stats_daydimension) of every aggregated day whose rows are missing "
        "or not its current aggregation's (days aggregated before they existed); --website ID "
        "for one website. Queries read those days' stored sessions meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument("--website", help="UUID of one website")

    def handle(self, *args, website, **options):
        written = day_dimensions_backfill(website_id=website)
        self.stdout.write(f"Wrote the day rows of {written} days.")
