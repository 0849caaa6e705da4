"""The reports' hand-built week (tests/reports/conftest.py: "now" is 2026-03-10 12:00 UTC) as
the dashboard's data, and its owner signed in."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import session_signed_in
from tests.reports.conftest import dataset, frozen_now  # noqa: F401  (fixtures)


@pytest.fixture
def owner_client(tenant) -> Client:
    """A browser-like client signed in as the tenant's user (the owner of `website`)."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_signed_in(user=tenant.user)
    return client
