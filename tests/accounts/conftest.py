"""People who sign in to the pages: API users given a password."""

import pytest
from django.test import Client

from accounts import services
from accounts.models import Account, User
from tests.factories import user_make

PASSWORD = "Corr3ct-horse-battery"
WHOAMI = "/test-only/whoami"  # tests.accounts.urls_signed_in


def person_make(
    *, email: str | None = None, account: Account | None = None, role: str = "user"
) -> User:
    """An API user who signs in with PASSWORD."""
    user, _ = user_make(account=account, role=role)
    if email is not None:
        user.email = email
        user.save(update_fields=["email"])
    services.user_password_set(user=user, password=PASSWORD)
    return user


def sign_in(client: Client, email: str, password: str = PASSWORD, **fields):
    return client.post("/login", {"email": email, "password": password, **fields})


def signed_in_as(client: Client) -> str | None:
    """The email the client is signed in as, or None."""
    response = client.get(WHOAMI)
    if response.status_code == 302:
        return None
    assert response.status_code == 200, response.content
    return response.content.decode().split()[0]


@pytest.fixture
def person(db) -> User:
    return person_make(email="owner@example.com")
