import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services
from accounts.models import Account, Role


class Command(BaseCommand):
    help = "Creates an API user and prints its new API key alone on the last line of stdout."
    # call_command(..., stdin=StringIO(...)) in tests, as Django's createsuperuser takes it.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=Role.values)
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--account-id", help="UUID of an existing account")
        target.add_argument("--account-name", help="Account name; created when missing")
        parser.add_argument("--email", default=None)
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read a sign-in password (needs --email) from the first line of stdin; "
            "it must pass the password validators",
        )

    def handle(self, *args, role, account_id, account_name, email, password_stdin, **options):
        password = None
        if password_stdin:
            # Only the line ending goes: spaces are part of a password.
            password = options.get("stdin", sys.stdin).readline().rstrip("\r\n")
            if not password:
                raise CommandError("--password-stdin: stdin held no password.")
        try:
            with transaction.atomic():  # a refused password leaves no new account behind
                account = self._account(account_id, account_name)
                user, api_key = services.user_create(
                    account=account, role=role, email=email, password=password
                )
        except ValidationError as refused:
            raise CommandError(" ".join(_messages(refused))) from refused
        self.stdout.write(
            f"Created {role} user {user.id} in account {account.name} ({account.id})"
            + (", who can sign in." if password else ".")
        )
        self.stdout.write(api_key)

    def _account(self, account_id: str | None, account_name: str | None) -> Account:
        if not account_id:
            return services.account_get_or_create(name=account_name)
        try:
            return Account.objects.get(pk=account_id)
        except (Account.DoesNotExist, ValidationError) as missing:  # unknown or not a UUID
            raise CommandError(f"No account with id {account_id}.") from missing


def _messages(error: ValidationError) -> list[str]:
    return [
        f"{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    ]
