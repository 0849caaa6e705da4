"""The operators' door: Django admin sign-ins throttled by django-axes, validated passwords,
messages kept on the server."""

import re

import pytest
import redis
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import account_make
from tests.processes import free_port

PASSWORD = "Corr3ct-horse-battery"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def axes_on(settings):
    # Off in the test settings for the test client's `login()`; on here, as in production.
    settings.AXES_ENABLED = True


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("ops", password=PASSWORD)


def sign_in(password: str, ip: str = "198.51.100.7") -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"username": "ops", "password": password, "next": "/admin/"})
    return client, response


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_a_right_password_before_the_limit_signs_in(operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client, response = sign_in("wrong")
        assert response.status_code == 200  # the form again, with its error
        assert not signed_in(client)
    client, response = sign_in(PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_too_many_wrong_passwords_lock_the_client_out(operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("wrong")
    _, response = sign_in("wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()

    # Now even the right password is refused, with the same clear page (not a 500).
    client, response = sign_in(PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert not signed_in(client)

    # Per client: the operator still signs in from elsewhere.
    client, response = sign_in(PASSWORD, ip="198.51.100.8")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_success_forgets_earlier_failures(operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("wrong")
    sign_in(PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("wrong")
    _, response = sign_in(PASSWORD)
    assert response.status_code == 302


def test_a_locked_out_address_still_uses_the_api(operator, admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("wrong", ip="198.51.100.9")
    assert sign_in(PASSWORD, ip="198.51.100.9")[1].status_code == 429
    admin.client.defaults["REMOTE_ADDR"] = "198.51.100.9"
    assert admin.client.get("/api/v1/accounts").status_code == 200


def test_failed_sign_ins_leave_no_raw_address_in_redis(operator, settings):
    for _ in range(2):
        sign_in("wrong", ip="198.51.100.99")
    connection = redis.Redis.from_url(django_settings.REDIS_URL)
    try:
        stored = connection.keys("*")
        assert stored, "axes counts failures in Redis"
        for key in stored:
            assert b"198.51.100.99" not in key
            assert b"198.51.100.99" not in (connection.get(key) or b"")
    finally:
        connection.close()


# --- passwords and messages ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["short1", "password123", "12345678901", "opsuser-ops"])
def test_weak_operator_passwords_are_refused(django_user_model, password):
    user = django_user_model(username="opsuser-ops")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


@pytest.mark.django_db
def test_the_key_shown_once_never_travels_in_a_cookie(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ops", password=PASSWORD))
    account = account_make(name="Cookie check")
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"account": str(account.pk), "email": "c@example.com", "role": "user", "_save": "Save"},
    )
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert not re.search(r"tt_[A-Za-z0-9_-]{32,}", str(response.cookies))
    # It is still shown on the next page.
    page = client.get(response["Location"]).content.decode()
    assert re.search(r"tt_[A-Za-z0-9_-]{32,}", page)


@pytest.fixture
def counters_unreachable(settings):
    """The throttle's Redis is down (axes' handler keeps the cache it was created with)."""
    working = settings.CACHES
    settings.CACHES = {
        "default": {**working["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    }
    AxesProxyHandler.get_implementation(force=True)
    yield
    settings.CACHES = working
    AxesProxyHandler.get_implementation(force=True)


def test_without_redis_sign_ins_are_let_through_not_refused_with_a_500(
    operator, settings, counters_unreachable
):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _, response = sign_in("wrong")
        assert response.status_code == 200  # the form again: not counted, not a 500
    client, response = sign_in(PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
