"""Sign-in passwords of API users: the rules every way of setting one shares
(accounts.services), who a sign-in email names, and the hash never in the clear."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts import selectors, services
from accounts.models import User
from tests.accounts.conftest import PASSWORD, person_make
from tests.factories import account_make, user_make

pytestmark = pytest.mark.django_db


def errors_of(refused: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return refused.value.message_dict


def test_a_password_is_stored_hashed_and_checked(person):
    stored = User.objects.get(pk=person.pk)
    assert stored.password and PASSWORD not in stored.password
    assert stored.check_password(PASSWORD)
    assert selectors.user_authenticate(email="owner@example.com", password=PASSWORD) == person


def test_removing_the_password_stops_sign_in(person):
    services.user_password_set(user=person, password=None)
    assert User.objects.get(pk=person.pk).password == ""
    assert selectors.user_authenticate(email=person.email, password=PASSWORD) is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("12345678901", "entirely numeric"),
        ("owner@example.com", "too similar"),
        ("x" * 4097, "at most 4096"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    user, _ = user_make()
    user.email = "owner@example.com"
    with pytest.raises(ValidationError) as refused:
        services.user_password_set(user=user, password=password)
    assert any(message in text for text in errors_of(refused)["password"])
    assert User.objects.get(pk=user.pk).password == ""


def test_a_user_without_email_cannot_get_a_password():
    user, _ = user_make()
    user.email = None
    with pytest.raises(ValidationError) as refused:
        services.user_password_set(user=user, password=PASSWORD)
    assert "needs an email" in errors_of(refused)["email"][0]


def test_a_sign_in_email_names_one_user(person):
    twin, _ = user_make(account=account_make())
    twin.email = "Owner@Example.com"
    twin.save(update_fields=["email"])  # API-only users may share an email, as before
    with pytest.raises(ValidationError) as refused:
        services.user_password_set(user=twin, password=PASSWORD)
    assert "Another user already signs in with this email" in errors_of(refused)["email"][0]
    # Once the first one no longer signs in, the email is free.
    services.user_password_set(user=person, password=None)
    services.user_password_set(user=twin, password=PASSWORD)
    assert selectors.user_authenticate(email="owner@example.com", password=PASSWORD) == twin


def test_a_concurrent_claim_of_the_email_is_a_validation_error(person, monkeypatch):
    twin, _ = user_make()
    twin.email = "owner@example.com"
    twin.save(update_fields=["email"])
    # As if another request set the first password between our check and our write.
    monkeypatch.setattr(services, "user_password_check", lambda **_: None)
    with pytest.raises(ValidationError) as refused:
        services.user_password_set(user=twin, password=PASSWORD)
    assert "email" in errors_of(refused)
    assert User.objects.get(pk=twin.pk).password == ""


def test_the_database_keeps_sign_in_emails_unique(person):
    twin, _ = user_make()
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=twin.pk).update(email="OWNER@example.com", password=person.password)


def test_a_user_keeps_its_own_email_when_changing_its_password(person):
    services.user_password_set(user=person, password="An0ther-horse-battery")
    assert person.check_password("An0ther-horse-battery")


def test_create_with_a_password_validates_before_creating():
    account = account_make()
    with pytest.raises(ValidationError):
        services.user_create(account=account, role="user", email="a@example.com", password="x")
    assert not User.objects.filter(account=account).exists()
    user, _ = services.user_create(
        account=account, role="user", email="a@example.com", password=PASSWORD
    )
    assert selectors.user_authenticate(email="a@example.com", password=PASSWORD) == user


def test_an_old_hash_is_upgraded_on_sign_in(person, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert person.password.startswith("md5$")
    assert selectors.user_authenticate(email=person.email, password=PASSWORD) == person
    assert User.objects.get(pk=person.pk).password.startswith("pbkdf2_sha256$")


def test_other_users_keep_signing_in(person):
    other = person_make(email="other@example.com")
    services.user_password_set(user=person, password=None)
    assert selectors.user_authenticate(email=other.email, password=PASSWORD) == other
