"""Website settings validation, shared by the model (admin forms) and the API."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import account_make
from websites.models import Website
from websites.validators import (
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
