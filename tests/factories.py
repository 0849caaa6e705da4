"""Builders of test data: real rows through the real services."""

import itertools
from importlib import import_module

from django.conf import settings
from django.test import Client

from accounts import services as account_services
from accounts.models import Account, Role, User
from accounts.sessions import SESSION_HASH_KEY, SESSION_USER_KEY
from websites.models import Website
from websites.services import website_create

_sequence = itertools.count(1)


def account_make(*, name: str | None = None) -> Account:
    return account_services.account_create(name=name or f"Account {next(_sequence)}")


def user_make(*, account: Account | None = None, role: str = Role.USER) -> tuple[User, str]:
    return account_services.user_create(
        account=account or account_make(), role=role, email=f"user{next(_sequence)}@example.com"
    )


def website_make(*, account: Account | None = None, domain: str | None = None, **fields) -> Website:
    return website_create(
        account=account or account_make(),
        domain=domain or f"site{next(_sequence)}.example.com",
        **fields,
    )


def session_signed_in(*, user: User, password: str = "a long test password") -> str:
    """The key of a new session signed in as `user` (given `password` first), without the
    sign-in page: set it as the `settings.SESSION_COOKIE_NAME` cookie of a client or browser."""
    if not user.password:
        user.set_password(password)
        user.save(update_fields=["password"])
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_USER_KEY] = str(user.pk)
    session[SESSION_HASH_KEY] = user.session_auth_hash()
    session.create()
    return session.session_key


def signed_in_client(user: User, *, enforce_csrf_checks: bool = False) -> Client:
    """A test client signed in to the pages as `user`."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.cookies[settings.SESSION_COOKIE_NAME] = session_signed_in(user=user)
    return client
