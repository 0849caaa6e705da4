from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import Account, Role


class Command(BaseCommand):
    help = "Creates an API user and prints its new API key alone on the last line of stdout."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=Role.values)
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--account-id", help="UUID of an existing account")
        target.add_argument("--account-name", help="Account name; created when missing")
        parser.add_argument("--email", default=None)

    def handle(self, *args, role, account_id, account_name, email, **options):
        if account_id:
            try:
                account = Account.objects.get(pk=account_id)
            except (Account.DoesNotExist, ValidationError) as missing:  # unknown or not a UUID
                raise CommandError(f"No account with id {account_id}.") from missing
        else:
            account = services.account_get_or_create(name=account_name)
        user, api_key = services.user_create(account=account, role=role, email=email)
        self.stdout.write(
            f"Created {role} user {user.id} in account {account.name} ({account.id})."
        )
        self.stdout.write(api_key)
