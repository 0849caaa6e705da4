"""Accounts services and API-key storage: keys are never at rest in the clear."""

import hashlib
import re

import pytest
import redis
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from accounts import keys, selectors, services
from accounts.models import Account, Role, User
from tests.factories import account_make, user_make, website_make
from websites.models import Website

API_KEY = re.compile(r"^tt_[A-Za-z0-9_-]{32,}$")

pytestmark = pytest.mark.django_db


def client_for(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


def all_table_text() -> str:
    """Every row of every table in the database, as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" AS t')
            chunks.extend(row for (row,) in cursor.fetchall())
    return "\n".join(chunks)


# --- key shape and storage --------------------------------------------------------------------


def test_generated_keys_are_prefixed_url_safe_and_unique():
    generated = {keys.api_key_generate() for _ in range(200)}
    assert len(generated) == 200
    for api_key in generated:
        assert API_KEY.match(api_key), api_key


def test_user_create_returns_a_key_that_authenticates():
    user, api_key = services.user_create(account=account_make(), role=Role.USER)
    assert API_KEY.match(api_key)
    assert selectors.user_get_by_api_key(api_key=api_key) == user


def test_plain_key_never_stored_in_the_user_row():
    user, api_key = user_make()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [user.id])
        columns = [column.name for column in cursor.description]
        row = cursor.fetchone()
    assert row is not None
    secret_part = api_key.removeprefix(keys.API_KEY_PREFIX)
    for column, value in zip(columns, row, strict=True):
        assert api_key not in str(value), column
        assert secret_part not in str(value), column


def test_plain_key_never_stored_anywhere_in_the_database(admin, tenant):
    # Exercise everything that touches keys: create through the API, read back, authenticate.
    payload = {"account_id": str(tenant.account.id), "role": "user", "email": "k@example.com"}
    created = admin.client.post("/api/v1/users", payload, format="json").json()["data"]
    admin.client.get(f"/api/v1/users/{created['id']}/api-key")
    client_for(created["apiKey"]).get("/api/v1/websites")

    text = all_table_text()
    for api_key in (admin.api_key, tenant.api_key, created["apiKey"]):
        assert api_key.removeprefix(keys.API_KEY_PREFIX) not in text


def test_plain_key_never_stored_in_redis(tenant):
    assert tenant.client.get("/api/v1/websites").status_code == 200
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        stored = client.keys("*")
        assert stored, "rate-limit counters are expected in Redis"
        secret_part = tenant.api_key.removeprefix(keys.API_KEY_PREFIX).encode()
        for key in stored:
            assert secret_part not in key
            if client.type(key) == b"string":
                assert secret_part not in (client.get(key) or b"")
    finally:
        client.close()


def test_digest_is_keyed_and_ciphertext_decrypts():
    user, api_key = user_make()
    user.refresh_from_db()
    # A keyed HMAC, not a bare hash anyone could compute from a leaked key list.
    assert user.api_key_digest == keys.api_key_digest(api_key)
    assert user.api_key_digest != hashlib.sha256(api_key.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", user.api_key_digest)
    assert keys.api_key_decrypt(user.api_key_ciphertext) == api_key
    # Encryption is randomised: the same key never gives the same ciphertext twice.
    assert keys.api_key_encrypt(api_key) != keys.api_key_encrypt(api_key)


def test_digest_depends_on_the_server_secret(settings):
    api_key = keys.api_key_generate()
    first = keys.api_key_digest(api_key)
    settings.TRAILMARK_KEY_SECRETS = ["another-secret"]
    assert keys.api_key_digest(api_key) != first


def test_selector_reads_back_the_key():
    user, api_key = user_make()
    assert selectors.user_api_key(user=User.objects.get(pk=user.pk)) == api_key


# --- lookup -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    ["", "tt_", "tt_" + "A" * 43, "xx_" + "A" * 43, "tt_" + "A" * 200, "TT_abc"],
)
def test_unknown_keys_find_nobody(candidate):
    user_make()
    assert selectors.user_get_by_api_key(api_key=candidate) is None


def test_key_lookup_is_exact():
    user, api_key = user_make()
    assert selectors.user_get_by_api_key(api_key=api_key) == user
    assert selectors.user_get_by_api_key(api_key=api_key + "x") is None
    assert selectors.user_get_by_api_key(api_key=api_key[:-1]) is None
    assert selectors.user_get_by_api_key(api_key=api_key.upper()) is None


# --- rotation ---------------------------------------------------------------------------------


def test_rotation_invalidates_the_old_key(admin, tenant):
    old_key = tenant.api_key
    assert tenant.client.get("/api/v1/websites").status_code == 200

    new_key = services.user_issue_api_key(user=tenant.user)

    assert new_key != old_key
    assert API_KEY.match(new_key)
    assert selectors.user_get_by_api_key(api_key=old_key) is None
    assert selectors.user_get_by_api_key(api_key=new_key) == tenant.user
    assert tenant.client.get("/api/v1/websites").status_code == 401
    assert client_for(new_key).get("/api/v1/websites").status_code == 200
    # An admin reading the key back gets the new one.
    response = admin.client.get(f"/api/v1/users/{tenant.user.id}/api-key")
    assert response.json()["data"]["apiKey"] == new_key
    # Rotation keeps the user, it does not create another one.
    assert User.objects.filter(account=tenant.account).count() == 1


# --- accounts ---------------------------------------------------------------------------------


def test_account_get_or_create_reuses_the_named_account():
    first = services.account_get_or_create(name="Acme")
    second = services.account_get_or_create(name="Acme")
    assert first == second
    assert Account.objects.filter(name="Acme").count() == 1


def test_user_create_blank_email_is_stored_as_null():
    user, _ = services.user_create(account=account_make(), role=Role.ADMIN, email="")
    user.refresh_from_db()
    assert user.email is None
    assert user.is_admin


def test_account_delete_removes_users_and_hides_websites_in_a_few_statements(
    django_assert_max_num_queries,
):
    account = account_make()
    for _ in range(30):
        user_make(account=account)
        website_make(account=account)
    other = website_make()

    with django_assert_max_num_queries(10):
        services.account_delete(account=account)

    assert not Account.objects.filter(pk=account.pk).exists()
    assert not User.objects.filter(account_id=account.pk).exists()
    assert not Website.objects.filter(account_id=account.pk).exists()
    assert Website.objects.filter(pk=other.pk).exists()
    # The rows wait for the background purge, which deletes the account row last.
    assert Account.all_objects.get(pk=account.pk).deleted_at is not None


def test_an_account_without_websites_goes_at_once():
    account = account_make()
    services.account_delete(account=account)
    assert not Account.all_objects.filter(pk=account.pk).exists()


def test_user_delete_keeps_the_account():
    user, _ = user_make()
    services.user_delete(user=user)
    assert not User.objects.filter(pk=user.pk).exists()
    assert Account.objects.filter(pk=user.account_id).exists()
