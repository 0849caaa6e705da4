"""Fixtures of the read side's tests."""

import pytest

from tests.factories import website_make


@pytest.fixture
def kept_site(website):
    """A second website of the same account, to hold only the events of some visits."""
    return website_make(account=website.account, domain="kept.example.com")
