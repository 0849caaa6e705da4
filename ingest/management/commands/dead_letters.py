from django.core.management.base import BaseCommand, CommandError

from ingest.drain import dead_letters_replay
from ingest.models import DeadLetter


class Command(BaseCommand):
    help = (
        "Buffered events the drainer could not store: list them (default), --replay them (all, "
        "or --id ones) once their cause is fixed, or --delete them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="How many to list (newest).")
        parser.add_argument("--id", dest="ids", type=int, action="append", help="Only this one.")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--replay", action="store_true", help="Store them again.")
        action.add_argument("--delete", action="store_true", help="Delete them for good.")

    def handle(self, *args, limit: int, ids: list[int] | None, replay: bool, delete: bool, **opts):
        letters = DeadLetter.objects.all()
        if ids:
            letters = letters.filter(id__in=ids)
            missing = set(ids) - set(letters.values_list("id", flat=True))
            if missing:
                listed = ", ".join(map(str, sorted(missing)))
                raise CommandError(f"No dead letter with id {listed}.")
        if replay:
            result = dead_letters_replay(ids=ids)
            self.stdout.write(
                f"Replayed {result.entries}: stored {result.stored}, dropped {result.dropped} "
                f"(deleted websites), still refused {result.dead_lettered}."
            )
        elif delete:
            deleted, _ = letters.delete()
            self.stdout.write(f"Deleted {deleted} dead letters.")
        else:
            self.stdout.write(f"{DeadLetter.objects.count()} dead letters.")
            for letter in letters.order_by("-id")[:limit]:
                self.stdout.write(
                    f"#{letter.id} entry {letter.entry_id} at {letter.created_at:%Y-%m-%d %H:%M:%S}"
                    f"\n  reason: {letter.reason}\n  row: {letter.payload[:500]}"
                )
