"""Builders of test data: real rows through the real services."""

import itertools

from accounts import services as account_services
from accounts.models import Account, Role, User
from websites.models import Website
from websites.services import website_create

_sequence = itertools.count(1)


def account_make(*, name: str | None = None) -> Account:
    return account_services.account_create(name=name or f"Account {next(_sequence)}")


def user_make(*, account: Account | None = None, role: str = Role.USER) -> tuple[User, str]:
    return account_services.user_create(
        account=account or account_make(), role=role, email=f"user{next(_sequence)}@example.com"
    )


def website_make(
    *, account: Account | None = None, domain: str | None = None, **settings
) -> Website:
    return website_create(
        account=account or account_make(),
        domain=domain or f"site{next(_sequence)}.example.com",
        **settings,
    )
