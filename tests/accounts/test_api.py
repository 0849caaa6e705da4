"""/api/v1/accounts and /api/v1/users: every success and every documented error of the spec."""

import re
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Account, Role, User
from tests.envelope import assert_error, success_data
from tests.factories import user_make, website_make
from websites.models import Website

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
API_KEY = re.compile(r"^tt_[A-Za-z0-9_-]{32,}$")
USER_FIELDS = {"id", "accountId", "email", "role", "createdAt"}


def client_for(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


def row_count(table: str, where: str, value) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}" WHERE {where} = %s', [value])
        return cursor.fetchone()[0]


# --- authentication, shared by every protected route ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/accounts", "/api/v1/users", "/api/v1/websites"])
def test_missing_key_is_401(anonymous, path):
    message = assert_error(anonymous.get(path), 401, "UNAUTHORIZED")
    assert "X-API-KEY" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [
        "tt_" + "x" * 43,  # well formed, never issued
        "not-a-trailmark-key",
        "tt_" + "a" * 500,  # oversized
        "",
    ],
)
def test_unknown_key_is_401(admin, key):
    client = client_for(key)
    assert_error(client.get("/api/v1/websites"), 401, "UNAUTHORIZED")


# --- accounts ---------------------------------------------------------------------------------


def test_accounts_list(admin, tenant):
    data = success_data(admin.client.get("/api/v1/accounts"))
    assert [item["name"] for item in data] == ["Operators", "Tenant A"]
    for item in data:
        assert set(item) == {"id", "name", "createdAt"}
        assert TIMESTAMP.match(item["createdAt"])
    tenant_item = data[1]
    assert tenant_item["id"] == str(tenant.account.id)
    account = Account.objects.get(pk=tenant.account.id)
    expected = account.created_at.strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{account.created_at.microsecond // 1000:03d}Z"
    )
    assert tenant_item["createdAt"] == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/accounts"),
        ("post", "/api/v1/accounts"),
        ("delete", "/api/v1/accounts/{account}"),
    ],
)
def test_accounts_need_admin_role(tenant, method, path):
    response = getattr(tenant.client, method)(
        path.format(account=tenant.account.id), {"name": "X"}, format="json"
    )
    assert_error(response, 403, "FORBIDDEN")
    assert Account.objects.filter(pk=tenant.account.id).exists()
    assert not Account.objects.filter(name="X").exists()


def test_account_create(admin):
    data = success_data(
        admin.client.post("/api/v1/accounts", {"name": "Acme Corp"}, format="json"), 201
    )
    assert set(data) == {"id", "name", "createdAt"}
    assert data["name"] == "Acme Corp"
    assert TIMESTAMP.match(data["createdAt"])
    assert Account.objects.get(pk=data["id"]).name == "Acme Corp"


@pytest.mark.parametrize(
    "payload",
    [{}, {"name": ""}, {"name": None}, {"name": {"first": "Acme"}}, {"name": "x" * 201}],
    ids=["missing", "blank", "null", "object", "too-long"],
)
def test_account_create_invalid_name(admin, payload):
    before = Account.objects.count()
    response = admin.client.post("/api/v1/accounts", payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="name")
    assert Account.objects.count() == before


def test_account_delete_returns_the_deleted_account(admin, tenant):
    account_id = str(tenant.account.id)
    data = success_data(admin.client.delete(f"/api/v1/accounts/{account_id}"))
    assert data["id"] == account_id
    assert data["name"] == "Tenant A"
    assert TIMESTAMP.match(data["createdAt"])
    assert not Account.objects.filter(pk=account_id).exists()
    assert_error(admin.client.delete(f"/api/v1/accounts/{account_id}"), 404, "NOT_FOUND")


def test_account_delete_answers_at_once_whatever_its_size(
    admin, tenant, django_assert_max_num_queries
):
    account = tenant.account
    for _ in range(20):
        user_make(account=account)
        website_make(account=account)
    kept_user, _ = user_make()
    kept_website = website_make()

    # Users deleted, account and websites marked deleted: a bound that does not grow with them.
    with django_assert_max_num_queries(12):
        response = admin.client.delete(f"/api/v1/accounts/{account.id}")
    assert response.status_code == 200

    assert row_count("accounts_user", "account_id", account.id) == 0
    assert not Account.objects.filter(pk=account.id).exists()
    assert not Website.objects.filter(account_id=account.id).exists()
    assert Website.all_objects.filter(account_id=account.id, deleted_at__isnull=False).count() == 20
    assert User.objects.filter(pk=kept_user.pk).exists()
    assert Website.objects.filter(pk=kept_website.pk).exists()
    # The deleted tenant's key no longer opens anything.
    assert_error(tenant.client.get("/api/v1/websites"), 401, "UNAUTHORIZED")


def test_account_delete_invalid_uuid(admin):
    assert_error(
        admin.client.delete("/api/v1/accounts/not-a-uuid"), 400, "INVALID_PAYLOAD", mentions="id"
    )


def test_account_delete_unknown(admin):
    assert_error(admin.client.delete(f"/api/v1/accounts/{uuid.uuid4()}"), 404, "NOT_FOUND")


# --- users ------------------------------------------------------------------------------------


def test_users_list(admin, tenant):
    data = success_data(admin.client.get("/api/v1/users"))
    assert [item["id"] for item in data] == [str(admin.user.id), str(tenant.user.id)]
    for item in data:
        # The API key (and anything derived from it) is never listed.
        assert set(item) == USER_FIELDS
        assert TIMESTAMP.match(item["createdAt"])
    assert data[1] == {
        "id": str(tenant.user.id),
        "accountId": str(tenant.account.id),
        "email": tenant.user.email,
        "role": "user",
        "createdAt": data[1]["createdAt"],
    }
    assert tenant.api_key not in str(data)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/users"),
        ("post", "/api/v1/users"),
        ("get", "/api/v1/users/{user}/api-key"),
        ("delete", "/api/v1/users/{user}"),
    ],
)
def test_users_need_admin_role(tenant, method, path):
    payload = {"account_id": str(tenant.account.id), "role": "admin"}
    response = getattr(tenant.client, method)(
        path.format(user=tenant.user.id), payload, format="json"
    )
    assert_error(response, 403, "FORBIDDEN")
    assert User.objects.filter(account=tenant.account).count() == 1
    assert tenant.api_key not in response.content.decode()


def test_user_create(admin, tenant):
    payload = {"account_id": str(tenant.account.id), "role": "user", "email": "new@example.com"}
    data = success_data(admin.client.post("/api/v1/users", payload, format="json"), 201)
    assert set(data) == USER_FIELDS | {"apiKey"}
    assert data["accountId"] == str(tenant.account.id)
    assert data["email"] == "new@example.com"
    assert data["role"] == "user"
    assert TIMESTAMP.match(data["createdAt"])
    assert API_KEY.match(data["apiKey"])
    user = User.objects.get(pk=data["id"])
    assert user.account_id == tenant.account.id

    # The key works at once, scoped to its account.
    new_client = client_for(data["apiKey"])
    assert success_data(new_client.get("/api/v1/websites")) == []
    assert_error(new_client.get("/api/v1/accounts"), 403, "FORBIDDEN")


def test_user_create_admin_role_without_email(admin, tenant):
    payload = {"account_id": str(tenant.account.id), "role": "admin"}
    data = success_data(admin.client.post("/api/v1/users", payload, format="json"), 201)
    assert data["email"] is None
    assert data["role"] == "admin"
    assert success_data(client_for(data["apiKey"]).get("/api/v1/accounts"))


@pytest.mark.parametrize("email", ["", None])
def test_user_create_blank_email_is_null(admin, tenant, email):
    payload = {"account_id": str(tenant.account.id), "role": "user", "email": email}
    data = success_data(admin.client.post("/api/v1/users", payload, format="json"), 201)
    assert data["email"] is None
    assert User.objects.get(pk=data["id"]).email is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "user"}, "account_id"),
        ({"account_id": "{account}"}, "role"),
        ({"account_id": "{account}", "role": "owner"}, "role"),
        ({"account_id": "{account}", "role": 1}, "role"),
        ({"account_id": "not-a-uuid", "role": "user"}, "account_id"),
        ({"account_id": 12345, "role": "user"}, "account_id"),
        ({"account_id": "{unknown}", "role": "user"}, "account_id"),
        ({"account_id": "{account}", "role": "user", "email": "not-an-email"}, "email"),
    ],
    ids=[
        "missing-account",
        "missing-role",
        "invalid-role",
        "role-wrong-type",
        "account-not-uuid",
        "account-wrong-type",
        "account-not-found",
        "invalid-email",
    ],
)
def test_user_create_invalid(admin, tenant, payload, field):
    values = {"{account}": str(tenant.account.id), "{unknown}": str(uuid.uuid4())}
    payload = {key: values.get(value, value) for key, value in payload.items()}
    before = User.objects.count()
    response = admin.client.post("/api/v1/users", payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions=field)
    assert User.objects.count() == before


# --- users: sign-in password --------------------------------------------------------------------

PASSWORD = "Corr3ct-horse-battery"


def test_user_create_with_a_password_lets_the_user_sign_in(admin, tenant, client):
    payload = {
        "account_id": str(tenant.account.id),
        "role": "user",
        "email": "owner@example.com",
        "password": PASSWORD,
    }
    response = admin.client.post("/api/v1/users", payload, format="json")
    data = success_data(response, 201)
    assert set(data) == USER_FIELDS | {"apiKey"}  # the password is never returned
    assert PASSWORD not in response.content.decode()
    user = User.objects.get(pk=data["id"])
    assert user.password and PASSWORD not in user.password
    for item in success_data(admin.client.get("/api/v1/users")):
        assert set(item) == USER_FIELDS
    response = client.post("/login", {"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("payload", "field", "says"),
    [
        ({"email": "a@example.com", "password": "password123"}, "password", "too common"),
        ({"email": "a@example.com", "password": "short1"}, "password", "too short"),
        ({"email": "a@example.com", "password": "a-example.com"}, "password", "too similar"),
        ({"email": "a@example.com", "password": "x" * 5000}, "password", "4096"),
        ({"email": "a@example.com", "password": ""}, "password", "blank"),
        ({"email": "a@example.com", "password": None}, "password", "null"),
        ({"email": "a@example.com", "password": 12345678901}, "password", "valid string"),
        ({"email": "a@example.com", "password": ["x"]}, "password", "valid string"),
        ({"email": "a@example.com", "password": "pass\x00word-long"}, "password", "Null"),
        ({"password": PASSWORD}, "email", "needs an email"),
        ({"email": "", "password": PASSWORD}, "email", "needs an email"),
        ({"email": "TAKEN@example.com", "password": PASSWORD}, "email", "already signs in"),
    ],
    ids=[
        "common",
        "short",
        "like-email",
        "too-long",
        "blank",
        "null",
        "number",
        "list",
        "nul-character",
        "no-email",
        "blank-email",
        "email-taken",
    ],
)
def test_user_create_invalid_password(admin, tenant, payload, field, says):
    user, _ = user_make()
    user.email = "taken@example.com"
    user.save(update_fields=["email"])
    services.user_password_set(user=user, password=PASSWORD)
    before = User.objects.count()
    payload = {"account_id": str(tenant.account.id), "role": "user", **payload}
    response = admin.client.post("/api/v1/users", payload, format="json")
    message = assert_error(response, 400, "INVALID_PAYLOAD", mentions=field)
    assert says in message
    assert User.objects.count() == before
    assert "Corr3ct" not in message


def test_user_create_with_a_password_needs_an_admin(tenant):
    payload = {
        "account_id": str(tenant.account.id),
        "role": "user",
        "email": "owner@example.com",
        "password": PASSWORD,
    }
    assert_error(tenant.client.post("/api/v1/users", payload, format="json"), 403, "FORBIDDEN")


def test_user_api_key_returns_the_issued_key(admin, tenant):
    data = success_data(admin.client.get(f"/api/v1/users/{tenant.user.id}/api-key"))
    assert data == {"id": str(tenant.user.id), "apiKey": tenant.api_key}


def test_user_api_key_of_a_user_created_through_the_api(admin, tenant):
    payload = {"account_id": str(tenant.account.id), "role": "user"}
    created = success_data(admin.client.post("/api/v1/users", payload, format="json"), 201)
    data = success_data(admin.client.get(f"/api/v1/users/{created['id']}/api-key"))
    assert data["apiKey"] == created["apiKey"]


def test_user_api_key_invalid_uuid(admin):
    assert_error(
        admin.client.get("/api/v1/users/12345/api-key"), 400, "INVALID_PAYLOAD", mentions="id"
    )


def test_user_api_key_unknown(admin):
    assert_error(admin.client.get(f"/api/v1/users/{uuid.uuid4()}/api-key"), 404, "NOT_FOUND")


def test_user_delete(admin, tenant):
    data = success_data(admin.client.delete(f"/api/v1/users/{tenant.user.id}"))
    assert set(data) == USER_FIELDS
    assert data["id"] == str(tenant.user.id)
    assert data["accountId"] == str(tenant.account.id)
    assert row_count("accounts_user", "id", tenant.user.id) == 0
    # The account stays; the deleted user's key stops working.
    assert Account.objects.filter(pk=tenant.account.id).exists()
    assert_error(tenant.client.get("/api/v1/websites"), 401, "UNAUTHORIZED")
    assert_error(admin.client.delete(f"/api/v1/users/{tenant.user.id}"), 404, "NOT_FOUND")


def test_user_delete_invalid_uuid(admin):
    assert_error(
        admin.client.delete("/api/v1/users/not-a-uuid"), 400, "INVALID_PAYLOAD", mentions="id"
    )


def test_user_delete_unknown(admin):
    assert_error(admin.client.delete(f"/api/v1/users/{uuid.uuid4()}"), 404, "NOT_FOUND")


def test_admin_sees_users_of_every_account(admin, tenant, other_tenant):
    ids = {item["id"] for item in success_data(admin.client.get("/api/v1/users"))}
    assert ids == {str(admin.user.id), str(tenant.user.id), str(other_tenant.user.id)}


def test_role_choices_are_the_spec_ones():
    assert set(Role.values) == {"admin", "user"}
