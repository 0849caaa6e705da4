"""Shared fixtures: API clients authenticated as an admin and as a user of a tenant account."""

import time
from dataclasses import dataclass

import django_ratelimit.core
import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import Account, Role, User
from tests.factories import account_make, user_make, website_make
from tests.processes import celery_worker_start, process_stop
from websites.models import Website


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with empty rate-limit counters and buffers (the test Redis database)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.close()


@dataclass
class Caller:
    user: User
    api_key: str
    client: APIClient

    @property
    def account(self) -> Account:
        return self.user.account


def _caller(role: str, account: Account | None = None) -> Caller:
    user, api_key = user_make(role=role, account=account)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return Caller(user=user, api_key=api_key, client=client)


@pytest.fixture
def admin(db) -> Caller:
    return _caller(Role.ADMIN, account_make(name="Operators"))


@pytest.fixture
def tenant(db) -> Caller:
    """A `user` key of account "Tenant A"."""
    return _caller(Role.USER, account_make(name="Tenant A"))


@pytest.fixture
def other_tenant(db) -> Caller:
    """A `user` key of another account, "Tenant B"."""
    return _caller(Role.USER, account_make(name="Tenant B"))


class FrozenClock:
    """The clock django-ratelimit reads to place requests in fixed windows.

    Frozen so that a test never straddles two windows; `advance` moves it on.
    """

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def ratelimit_clock(monkeypatch) -> FrozenClock:
    frozen = FrozenClock()
    monkeypatch.setattr(django_ratelimit.core, "time", frozen)
    return frozen


@pytest.fixture
def website(tenant) -> Website:
    return website_make(account=tenant.account, domain="example.com")


@pytest.fixture
def celery_worker():
    """A real Celery worker process on the test database and Redis (transactional tests)."""
    worker = celery_worker_start()
    yield worker
    process_stop(worker)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()
