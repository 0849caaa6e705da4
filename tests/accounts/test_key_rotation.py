"""TRAILMARK_KEY_SECRET rotation: real keys made under one secret, used and read under the next."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts import keys, selectors, services
from accounts.models import Role, User
from tests.factories import account_make, user_make

pytestmark = pytest.mark.django_db

OLD, NEW = "old-key-secret", "new-key-secret"


def client_for(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


@pytest.fixture
def old_key(settings) -> tuple[User, str]:
    """A user whose key was issued under OLD, before the rotation."""
    settings.TRAILMARK_KEY_SECRETS = [OLD]
    return user_make()


def stored(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_a_key_made_under_an_older_secret_still_authenticates(settings, old_key):
    _, api_key = old_key
    settings.TRAILMARK_KEY_SECRETS = [NEW, OLD]
    assert client_for(api_key).get("/api/v1/websites").status_code == 200


def test_it_is_found_in_one_query_and_moved_to_the_newest_secret(
    settings, old_key, django_assert_num_queries
):
    user, api_key = old_key
    settings.TRAILMARK_KEY_SECRETS = [NEW, OLD]
    with django_assert_num_queries(1):  # the look-up under both secrets
        assert selectors.user_get_by_api_key(api_key=api_key) == user
    # A request it authenticates moves it to the newest secret.
    assert client_for(api_key).get("/api/v1/websites").status_code == 200
    row = stored(user)
    assert row.api_key_digest == keys.api_key_digest(api_key)

    # Now under NEW alone: the old secret can go, and the key keeps working and reading back.
    settings.TRAILMARK_KEY_SECRETS = [NEW]
    assert keys.api_key_decrypt(row.api_key_ciphertext) == api_key
    with django_assert_num_queries(1):
        assert selectors.user_get_by_api_key(api_key=api_key) == user
    assert client_for(api_key).get("/api/v1/websites").status_code == 200


def test_without_its_secret_the_old_key_is_unknown(settings, old_key):
    _, api_key = old_key
    settings.TRAILMARK_KEY_SECRETS = [NEW]
    response = client_for(api_key).get("/api/v1/websites")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_keys_issued_after_the_rotation_use_the_newest_secret(settings, old_key):
    settings.TRAILMARK_KEY_SECRETS = [NEW, OLD]
    user, api_key = user_make()
    settings.TRAILMARK_KEY_SECRETS = [NEW]
    assert selectors.user_get_by_api_key(api_key=api_key) == user
    assert selectors.user_api_key(user=stored(user)) == api_key


def test_an_unused_old_key_reads_back_after_the_rotation(settings, old_key):
    user, api_key = old_key
    settings.TRAILMARK_KEY_SECRETS = [NEW, OLD]
    _, admin_key = user_make(role=Role.ADMIN, account=account_make())
    response = client_for(admin_key).get(f"/api/v1/users/{user.id}/api-key")
    assert response.status_code == 200
    assert response.json()["data"]["apiKey"] == api_key


def test_a_key_under_no_configured_secret_is_a_conflict_not_a_crash(settings, old_key):
    user, _ = old_key
    settings.TRAILMARK_KEY_SECRETS = [NEW]
    _, admin_key = user_make(role=Role.ADMIN, account=account_make())
    response = client_for(admin_key).get(f"/api/v1/users/{user.id}/api-key")
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "CONFLICT"
    assert "issue a new one" in body["error"]["message"]
    with pytest.raises(keys.ApiKeyUnreadable):
        selectors.user_api_key(user=user)


def test_a_key_reissued_meanwhile_is_not_overwritten(settings, old_key):
    user, api_key = old_key
    settings.TRAILMARK_KEY_SECRETS = [NEW, OLD]
    found = User.objects.get(pk=user.pk)
    # Another request reissues the key between this one's look-up and its re-store.
    User.objects.filter(pk=user.pk).update(api_key_digest="0" * 64)
    services.user_api_key_restore(
        user=found, api_key=api_key, stored_digest=keys.api_key_digests(api_key)[1]
    )
    assert stored(user).api_key_digest == "0" * 64


# --- settings ------------------------------------------------------------------------------------


def settings_import(module: str, **environ: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TRAILMARK_", "DJANGO_", "SECRET_KEY"))
    }
    env.update(DJANGO_SETTINGS_MODULE=module, **environ)
    code = "from django.conf import settings; print(settings.TRAILMARK_KEY_SECRETS)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secrets_are_comma_separated_newest_first():
    result = settings_import(
        "analytics_site.settings.dev", SECRET_KEY="s", TRAILMARK_KEY_SECRET=" new, old ,"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['new', 'old']"


def test_dev_falls_back_to_secret_key():
    # An .env written before TRAILMARK_KEY_SECRET existed keeps its keys.
    result = settings_import("analytics_site.settings.dev", SECRET_KEY="s", TRAILMARK_KEY_SECRET="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['s']"


@pytest.mark.parametrize("key_secret", ["", "s", "s,older"])
def test_production_refuses_to_start_without_its_own_key_secret(key_secret):
    result = settings_import(
        "analytics_site.settings.prod", SECRET_KEY="s", TRAILMARK_KEY_SECRET=key_secret
    )
    assert result.returncode != 0
    assert "TRAILMARK_KEY_SECRET must be set in production" in result.stderr


def test_production_starts_with_its_own_key_secret_and_secret_key_as_an_older_one():
    result = settings_import(
        "analytics_site.settings.prod", SECRET_KEY="s", TRAILMARK_KEY_SECRET="own,s"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['own', 's']"
