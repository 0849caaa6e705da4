"""/api/v1/websites: every success and every documented error of the spec."""

import re
import uuid

import pytest

from tests.envelope import assert_error, success_data
from tests.factories import account_make, website_make
from websites.models import Website

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
WEBSITE_FIELDS = {
    "id",
    "accountId",
    "domain",
    "contentGroups",
    "excludedIps",
    "timezone",
    "createdAt",
}


def test_list_shape(tenant, website):
    website_make(
        account=tenant.account,
        domain="blog.example.com",
        content_groups=[{"name": "Blog", "pattern": "/blog/*"}],
        excluded_ips=["10.0.0.0/8", "2001:db8::1"],
    )
    data = success_data(tenant.client.get("/api/v1/websites"))
    assert [item["domain"] for item in data] == ["example.com", "blog.example.com"]
    for item in data:
        assert set(item) == WEBSITE_FIELDS
        assert item["accountId"] == str(tenant.account.id)
        assert TIMESTAMP.match(item["createdAt"])
    assert data[0]["id"] == str(website.id)
    assert data[0]["contentGroups"] == []
    assert data[0]["excludedIps"] == []
    assert data[1]["contentGroups"] == [{"name": "Blog", "pattern": "/blog/*"}]
    assert data[1]["excludedIps"] == ["10.0.0.0/8", "2001:db8::1"]


def test_list_is_scoped_to_the_callers_account(tenant, other_tenant, website, admin):
    theirs = website_make(account=other_tenant.account, domain="other.example")

    mine = success_data(tenant.client.get("/api/v1/websites"))
    assert [item["id"] for item in mine] == [str(website.id)]
    others = success_data(other_tenant.client.get("/api/v1/websites"))
    assert [item["id"] for item in others] == [str(theirs.id)]
    everything = success_data(admin.client.get("/api/v1/websites"))
    assert {item["id"] for item in everything} == {str(website.id), str(theirs.id)}


def test_list_without_key(anonymous):
    assert_error(anonymous.get("/api/v1/websites"), 401, "UNAUTHORIZED")


# --- create -----------------------------------------------------------------------------------


def test_create_minimal(tenant):
    data = success_data(
        tenant.client.post("/api/v1/websites", {"domain": "example.com"}, format="json"), 201
    )
    assert set(data) == WEBSITE_FIELDS
    assert data["domain"] == "example.com"
    assert data["accountId"] == str(tenant.account.id)
    assert data["contentGroups"] == []
    assert data["excludedIps"] == []
    assert TIMESTAMP.match(data["createdAt"])
    assert Website.objects.get(pk=data["id"]).account_id == tenant.account.id


def test_create_with_settings(tenant):
    payload = {
        "domain": "Shop.Example.COM.",
        "content_groups": [
            {"name": "Products", "pattern": "/products/*"},
            {"name": "Checkout", "pattern": "/checkout"},
        ],
        "excluded_ips": ["192.168.1.1", " 10.0.0.0/8 ", "2001:db8::/32", "::1"],
    }
    data = success_data(tenant.client.post("/api/v1/websites", payload, format="json"), 201)
    assert data["domain"] == "shop.example.com"
    assert data["contentGroups"] == payload["content_groups"]
    assert data["excludedIps"] == ["192.168.1.1", "10.0.0.0/8", "2001:db8::/32", "::1"]
    website = Website.objects.get(pk=data["id"])
    assert website.domain == "shop.example.com"
    assert website.content_groups == payload["content_groups"]
    assert website.excluded_ips == data["excludedIps"]


@pytest.mark.parametrize(
    "domain",
    [
        "",
        "   ",
        "exa mple.com",
        "-bad.example",
        "bad-.example",
        "exa_mple.com",
        "https://example.com",
        "example.com/path",
        "example.com:8080",
        "a" * 64 + ".com",
        ("a" * 60 + ".") * 4 + "a" * 20,  # 264 characters
        "ex*ample.com",
        "..",
    ],
)
def test_create_invalid_domain(tenant, domain):
    response = tenant.client.post("/api/v1/websites", {"domain": domain}, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="domain")
    assert not Website.objects.exists()


@pytest.mark.parametrize("payload", [{}, {"domain": None}, {"domain": ["example.com"]}])
def test_create_missing_or_mistyped_domain(tenant, payload):
    response = tenant.client.post("/api/v1/websites", payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="domain")


@pytest.mark.parametrize(
    "content_groups",
    [
        "Blog",
        {"name": "Blog", "pattern": "/blog/*"},
        [{"name": "Blog"}],
        [{"pattern": "/blog/*"}],
        [{"name": "Blog", "pattern": "/blog/*", "extra": 1}],
        [{"name": "", "pattern": "/blog/*"}],
        [{"name": "Blog", "pattern": "blog/*"}],
        [{"name": 5, "pattern": "/blog/*"}],
        [{"name": "Blog", "pattern": "/a"}, {"name": "Blog", "pattern": "/b"}],
        ["/blog/*"],
        None,
        [{"name": f"G{i}", "pattern": f"/{i}"} for i in range(101)],
    ],
)
def test_create_invalid_content_groups(tenant, content_groups):
    payload = {"domain": "example.com", "content_groups": content_groups}
    response = tenant.client.post("/api/v1/websites", payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="content_groups")
    assert not Website.objects.exists()


@pytest.mark.parametrize(
    "excluded_ips",
    [
        "10.0.0.1",
        ["999.1.1.1"],
        ["10.0.0.0/33"],
        ["not-an-ip"],
        ["2001:db8::g"],
        [10],
        [None],
        None,
        {"ip": "10.0.0.1"},
        ["10.0.0.1"] * 1001,
    ],
)
def test_create_invalid_excluded_ips(tenant, excluded_ips):
    payload = {"domain": "example.com", "excluded_ips": excluded_ips}
    response = tenant.client.post("/api/v1/websites", payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="excluded_ips")
    assert not Website.objects.exists()


def test_create_duplicate_domain_in_the_same_account(tenant, website):
    for domain in ["example.com", "EXAMPLE.com", "example.com."]:
        response = tenant.client.post("/api/v1/websites", {"domain": domain}, format="json")
        assert_error(response, 400, "INVALID_PAYLOAD", mentions="domain")
    assert Website.objects.filter(account=tenant.account).count() == 1


def test_same_domain_allowed_in_another_account(other_tenant, website):
    response = other_tenant.client.post(
        "/api/v1/websites", {"domain": "example.com"}, format="json"
    )
    data = success_data(response, 201)
    assert data["accountId"] == str(other_tenant.account.id)
    assert Website.objects.filter(domain="example.com").count() == 2


def test_user_may_name_its_own_account(tenant):
    payload = {"domain": "example.com", "account_id": str(tenant.account.id)}
    data = success_data(tenant.client.post("/api/v1/websites", payload, format="json"), 201)
    assert data["accountId"] == str(tenant.account.id)


def test_user_cannot_create_in_another_account(tenant, other_tenant):
    payload = {"domain": "example.com", "account_id": str(other_tenant.account.id)}
    response = tenant.client.post("/api/v1/websites", payload, format="json")
    assert_error(response, 403, "FORBIDDEN")
    assert not Website.objects.exists()


def test_admin_creates_in_the_named_account(admin, tenant):
    payload = {"domain": "example.com", "account_id": str(tenant.account.id)}
    data = success_data(admin.client.post("/api/v1/websites", payload, format="json"), 201)
    assert data["accountId"] == str(tenant.account.id)
    assert Website.objects.get(pk=data["id"]).account_id == tenant.account.id
    # The tenant sees it as its own.
    mine = success_data(tenant.client.get("/api/v1/websites"))
    assert [item["id"] for item in mine] == [data["id"]]


def test_admin_creates_in_its_own_account_by_default(admin):
    data = success_data(
        admin.client.post("/api/v1/websites", {"domain": "example.com"}, format="json"), 201
    )
    assert data["accountId"] == str(admin.account.id)


@pytest.mark.parametrize("account_id", ["{unknown}", "not-a-uuid", 42])
def test_admin_create_with_invalid_account_id(admin, account_id):
    if account_id == "{unknown}":
        account_id = str(uuid.uuid4())
    payload = {"domain": "example.com", "account_id": account_id}
    response = admin.client.post("/api/v1/websites", payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="account_id")
    assert not Website.objects.exists()


# --- update -----------------------------------------------------------------------------------


def test_patch_each_field(tenant, website):
    url = f"/api/v1/websites/{website.id}"
    data = success_data(tenant.client.patch(url, {"domain": "New.Example.org"}, format="json"))
    assert set(data) == WEBSITE_FIELDS
    assert data["id"] == str(website.id)
    assert data["domain"] == "new.example.org"

    groups = [{"name": "Docs", "pattern": "/docs/*"}]
    data = success_data(tenant.client.patch(url, {"content_groups": groups}, format="json"))
    assert data["contentGroups"] == groups
    assert data["domain"] == "new.example.org"

    data = success_data(tenant.client.patch(url, {"excluded_ips": ["127.0.0.1"]}, format="json"))
    assert data["excludedIps"] == ["127.0.0.1"]
    assert data["contentGroups"] == groups

    website.refresh_from_db()
    assert website.domain == "new.example.org"
    assert website.content_groups == groups
    assert website.excluded_ips == ["127.0.0.1"]


def test_patch_clears_lists(tenant):
    website = website_make(
        account=tenant.account,
        content_groups=[{"name": "Blog", "pattern": "/blog/*"}],
        excluded_ips=["10.0.0.1"],
    )
    payload = {"content_groups": [], "excluded_ips": []}
    data = success_data(tenant.client.patch(f"/api/v1/websites/{website.id}", payload, "json"))
    assert data["contentGroups"] == []
    assert data["excludedIps"] == []


@pytest.mark.parametrize("payload", [{}, {"unknown": "field"}, {"account_id": str(uuid.uuid4())}])
def test_patch_without_fields(tenant, website, payload):
    response = tenant.client.patch(f"/api/v1/websites/{website.id}", payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD")
    website.refresh_from_db()
    assert website.domain == "example.com"
    assert website.account_id == tenant.account.id


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"domain": "not a domain"}, "domain"),
        ({"domain": None}, "domain"),
        ({"content_groups": [{"name": "X"}]}, "content_groups"),
        ({"excluded_ips": ["300.0.0.1"]}, "excluded_ips"),
    ],
)
def test_patch_invalid_fields(tenant, website, payload, field):
    response = tenant.client.patch(f"/api/v1/websites/{website.id}", payload, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions=field)
    website.refresh_from_db()
    assert website.domain == "example.com"
    assert website.content_groups == []
    assert website.excluded_ips == []


def test_patch_to_a_duplicate_domain(tenant, website):
    other = website_make(account=tenant.account, domain="other.example")
    response = tenant.client.patch(
        f"/api/v1/websites/{other.id}", {"domain": "Example.com"}, format="json"
    )
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="domain")
    other.refresh_from_db()
    assert other.domain == "other.example"


def test_patch_to_a_domain_used_in_another_account(tenant, website):
    website_make(account=account_make(), domain="taken.example")
    response = tenant.client.patch(
        f"/api/v1/websites/{website.id}", {"domain": "taken.example"}, format="json"
    )
    assert success_data(response)["domain"] == "taken.example"


def test_patch_keeping_the_same_domain(tenant, website):
    response = tenant.client.patch(
        f"/api/v1/websites/{website.id}", {"domain": "example.com"}, format="json"
    )
    assert success_data(response)["domain"] == "example.com"


def test_patch_invalid_uuid(tenant):
    response = tenant.client.patch("/api/v1/websites/xyz", {"domain": "a.example"}, format="json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions="id")


def test_patch_unknown(tenant):
    response = tenant.client.patch(
        f"/api/v1/websites/{uuid.uuid4()}", {"domain": "a.example"}, format="json"
    )
    assert_error(response, 404, "NOT_FOUND")


def test_patch_another_accounts_website(other_tenant, website):
    response = other_tenant.client.patch(
        f"/api/v1/websites/{website.id}", {"domain": "hijacked.example"}, format="json"
    )
    assert_error(response, 404, "NOT_FOUND")
    website.refresh_from_db()
    assert website.domain == "example.com"


def test_admin_patches_any_website(admin, website):
    response = admin.client.patch(
        f"/api/v1/websites/{website.id}", {"excluded_ips": ["10.1.1.1"]}, format="json"
    )
    assert success_data(response)["excludedIps"] == ["10.1.1.1"]


# --- delete -----------------------------------------------------------------------------------


def test_delete(tenant, website):
    data = success_data(tenant.client.delete(f"/api/v1/websites/{website.id}"))
    assert set(data) == WEBSITE_FIELDS
    assert data["id"] == str(website.id)
    assert data["domain"] == "example.com"
    assert not Website.objects.filter(pk=website.pk).exists()
    assert_error(tenant.client.delete(f"/api/v1/websites/{website.id}"), 404, "NOT_FOUND")


def test_delete_invalid_uuid(tenant):
    assert_error(
        tenant.client.delete("/api/v1/websites/1234"), 400, "INVALID_PAYLOAD", mentions="id"
    )


def test_delete_unknown(tenant):
    assert_error(tenant.client.delete(f"/api/v1/websites/{uuid.uuid4()}"), 404, "NOT_FOUND")


def test_delete_another_accounts_website(other_tenant, website):
    assert_error(other_tenant.client.delete(f"/api/v1/websites/{website.id}"), 404, "NOT_FOUND")
    assert Website.objects.filter(pk=website.pk).exists()


def test_admin_deletes_any_website(admin, website):
    assert success_data(admin.client.delete(f"/api/v1/websites/{website.id}"))["id"] == str(
        website.id
    )
    assert not Website.objects.filter(pk=website.pk).exists()


def test_delete_then_recreate_the_domain(tenant, website):
    tenant.client.delete(f"/api/v1/websites/{website.id}")
    response = tenant.client.post("/api/v1/websites", {"domain": "example.com"}, format="json")
    assert success_data(response, 201)["domain"] == "example.com"


@pytest.mark.parametrize("method", ["put", "get"])
def test_unsupported_methods_on_a_website(tenant, website, method):
    response = getattr(tenant.client, method)(f"/api/v1/websites/{website.id}")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
