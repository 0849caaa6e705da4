"""Website settings validation, shared by the model (admin forms) and the API."""

import json

import pytest
from django.core.exceptions import ValidationError

from ingest.models import Event
from tests.envelope import assert_error
from tests.factories import account_make
from websites.models import Website
from websites.validators import (
    MAX_CONTENT_GROUP_NAME,
    MAX_CONTENT_GROUPS,
    MAX_EXCLUDED_IPS,
    normalize_domain,
    validate_content_groups,
    validate_domain,
    validate_excluded_ips,
)

# --- domain -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "domain",
    [
        "example.com",
        "localhost",
        "sub.example.co.uk",
        "my-site.example",
        "xn--bcher-kva.example",
        "123.example",
        "EXAMPLE.COM",
        "example.com.",
        " example.com ",
        "a" * 63 + ".com",
        ".".join(["a" * 63] * 4)[:255].rstrip("."),
    ],
)
def test_valid_domains(domain):
    validate_domain(domain)


@pytest.mark.parametrize(
    "domain",
    [
        "",
        ".",
        "exa mple.com",
        "-example.com",
        "example-.com",
        "exa_mple.com",
        "example..com",
        ".example.com",
        "https://example.com",
        "example.com/",
        "example.com:80",
        "user@example.com",
        "a" * 64 + ".com",
        ".".join(["a" * 63] * 5),
        "bücher.example",
        "ex*mple.com",
    ],
)
def test_invalid_domains(domain):
    with pytest.raises(ValidationError):
        validate_domain(domain)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("Example.COM", "example.com"), (" example.com. ", "example.com"), ("a.b", "a.b")],
)
def test_normalize_domain(raw, normalized):
    assert normalize_domain(raw) == normalized


# --- content groups ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups",
    [
        [],
        [{"name": "Blog", "pattern": "/blog/*"}],
        [{"name": "Home", "pattern": "/"}, {"name": "Docs", "pattern": "/docs/**"}],
        [{"name": f"G{i}", "pattern": f"/{i}"} for i in range(MAX_CONTENT_GROUPS)],
        [{"name": "x" * 100, "pattern": "/" + "x" * 254}],
        [{"name": "Café blog", "pattern": "/café/*"}],
    ],
)
def test_valid_content_groups(groups):
    validate_content_groups(groups)


@pytest.mark.parametrize(
    "groups",
    [
        None,
        "Blog",
        {"name": "Blog", "pattern": "/blog/*"},
        ["/blog/*"],
        [{"name": "Blog"}],
        [{"pattern": "/blog/*"}],
        [{"name": "Blog", "pattern": "/blog/*", "extra": True}],
        [{"name": "", "pattern": "/blog/*"}],
        [{"name": "   ", "pattern": "/blog/*"}],
        [{"name": "x" * 101, "pattern": "/blog/*"}],
        [{"name": None, "pattern": "/blog/*"}],
        [{"name": "Blog", "pattern": "blog/*"}],
        [{"name": "Blog", "pattern": ""}],
        [{"name": "Blog", "pattern": 7}],
        [{"name": "Blog", "pattern": "/" + "x" * 255}],
        [{"name": "Blog", "pattern": "/a"}, {"name": "Blog", "pattern": "/b"}],
        [{"name": f"G{i}", "pattern": f"/{i}"} for i in range(MAX_CONTENT_GROUPS + 1)],
    ],
)
def test_invalid_content_groups(groups):
    with pytest.raises(ValidationError):
        validate_content_groups(groups)


# Each refused with a message naming the item and its field, as stored (never stripped first).
UNSTORABLE_CONTENT_GROUPS = [
    ({"name": " " * 97 + "Blog", "pattern": "/blog/*"}, "`name`"),
    ({"name": " Blog", "pattern": "/blog/*"}, "`name`"),
    ({"name": "Blog\n", "pattern": "/blog/*"}, "`name`"),
    ({"name": "Bl\x00og", "pattern": "/blog/*"}, "`name`"),
    ({"name": "Bl\x01og", "pattern": "/blog/*"}, "`name`"),
    ({"name": "Bl\x7fog", "pattern": "/blog/*"}, "`name`"),
    ({"name": "Bl\ud800og", "pattern": "/blog/*"}, "`name`"),
    ({"name": "Blog", "pattern": "/blog/\x00*"}, "`pattern`"),
    ({"name": "Blog", "pattern": "/blog/\t*"}, "`pattern`"),
    ({"name": "Blog", "pattern": "/blog/\udfff"}, "`pattern`"),
]


@pytest.mark.parametrize(("group", "field"), UNSTORABLE_CONTENT_GROUPS)
def test_content_groups_are_validated_as_stored(group, field):
    with pytest.raises(ValidationError, match=rf"^\['Item 0: {field}"):
        validate_content_groups([group])


def test_a_content_group_name_fits_the_events_column():
    assert Event._meta.get_field("content_group").max_length == MAX_CONTENT_GROUP_NAME


@pytest.mark.django_db
@pytest.mark.parametrize(("group", "field"), UNSTORABLE_CONTENT_GROUPS)
def test_the_api_refuses_unstorable_content_groups(tenant, group, field):
    # json.dumps escapes lone surrogates ("\ud800"), as a hostile client would send them.
    body = json.dumps({"domain": "example.com", "content_groups": [group]})
    response = tenant.client.post("/api/v1/websites", body, content_type="application/json")
    assert_error(response, 400, "INVALID_PAYLOAD", mentions=f"content_groups: Item 0: {field}")
    assert not Website.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("group", "field"), UNSTORABLE_CONTENT_GROUPS)
def test_the_admin_form_refuses_unstorable_content_groups(group, field):
    website = Website(account=account_make(), domain="example.com", content_groups=[group])
    with pytest.raises(ValidationError) as error:
        website.full_clean()
    assert error.value.message_dict["content_groups"][0].startswith(f"Item 0: {field}")


# --- excluded IPs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "addresses",
    [
        [],
        ["192.168.1.1"],
        ["10.0.0.0/8", "172.16.0.0/12"],
        ["::1", "2001:db8::/32", "fe80::1"],
        [" 10.0.0.1 "],
        ["10.0.0.1/32", "0.0.0.0/0"],
        ["10.0.0.0"] * MAX_EXCLUDED_IPS,
    ],
)
def test_valid_excluded_ips(addresses):
    validate_excluded_ips(addresses)


@pytest.mark.parametrize(
    "addresses",
    [
        None,
        "10.0.0.1",
        {"ip": "10.0.0.1"},
        ["256.0.0.1"],
        ["10.0.0"],
        ["10.0.0.0/33"],
        ["2001:db8::/129"],
        ["2001:db8:::1"],
        ["example.com"],
        [""],
        [10],
        [None],
        [["10.0.0.1"]],
        ["10.0.0.0"] * (MAX_EXCLUDED_IPS + 1),
    ],
)
def test_invalid_excluded_ips(addresses):
    with pytest.raises(ValidationError):
        validate_excluded_ips(addresses)


# --- the model uses the same rules (admin forms) ----------------------------------------------


@pytest.mark.django_db
def test_model_full_clean_normalizes_and_validates():
    account = account_make()
    website = Website(account=account, domain=" Example.COM. ")
    website.full_clean()
    assert website.domain == "example.com"

    bad = Website(
        account=account,
        domain="bad domain",
        content_groups=[{"name": "X"}],
        excluded_ips=["nope"],
    )
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert set(error.value.message_dict) >= {"domain", "content_groups", "excluded_ips"}


@pytest.mark.django_db
def test_model_full_clean_reports_duplicate_domain_in_account():
    account = account_make()
    Website.objects.create(account=account, domain="example.com")
    duplicate = Website(account=account, domain="EXAMPLE.com")
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    Website(account=account_make(), domain="example.com").full_clean()
