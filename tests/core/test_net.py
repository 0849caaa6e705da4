"""client_ip: REMOTE_ADDR, or what the outermost trusted proxy saw; never what the client chose."""

import os

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from analytics_site.net import client_ip

PROXY = "10.0.0.9"  # REMOTE_ADDR: the proxy right in front of the app


def request_with(forwarded_for: str | None = None, remote_addr: str = PROXY):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize("forwarded_for", [None, "", "203.0.113.7", "6.6.6.6, 203.0.113.7"])
def test_no_trusted_proxy_uses_remote_addr(settings, forwarded_for):
    settings.TRAILMARK_NUM_PROXIES = 0
    assert client_ip(request_with(forwarded_for)) == PROXY


def test_default_is_no_trusted_proxy():
    if "TRAILMARK_NUM_PROXIES" in os.environ:
        pytest.skip("TRAILMARK_NUM_PROXIES is configured in this environment")
    assert django_settings.TRAILMARK_NUM_PROXIES == 0
    assert client_ip(request_with("203.0.113.7")) == PROXY


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for", "expected"),
    [
        # client -> proxy -> app: the proxy appended the client's address.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6,203.0.113.7", "203.0.113.7"),
        (1, "1.1.1.1, 6.6.6.6, 203.0.113.7", "203.0.113.7"),
        # client -> outer proxy -> inner proxy -> app.
        (2, "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "6.6.6.6, 7.7.7.7, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "6.6.6.6, 2001:db8::7, 10.0.0.2", "2001:db8::7"),
    ],
)
def test_nth_address_from_the_right(settings, num_proxies, forwarded_for, expected):
    settings.TRAILMARK_NUM_PROXIES = num_proxies
    assert client_ip(request_with(forwarded_for)) == expected


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for"),
    [
        # Fewer addresses than proxies: the header did not come through all of them.
        (2, "203.0.113.7"),
        (3, "6.6.6.6, 203.0.113.7"),
        (1, None),
        (1, ""),
        (1, " , "),
        # Not an address at the trusted position.
        (1, "6.6.6.6, not-an-ip"),
        (1, "6.6.6.6, 203.0.113.7:443"),
        (2, "6.6.6.6, unknown, 10.0.0.2"),
    ],
)
def test_falls_back_to_remote_addr(settings, num_proxies, forwarded_for):
    settings.TRAILMARK_NUM_PROXIES = num_proxies
    assert client_ip(request_with(forwarded_for)) == PROXY


@pytest.mark.parametrize("num_proxies", [1, 2, 3])
def test_a_spoofed_leftmost_value_is_never_used(settings, num_proxies):
    settings.TRAILMARK_NUM_PROXIES = num_proxies
    spoofed = "6.6.6.6"
    real_hops = ["203.0.113.7", "10.0.0.2", "10.0.0.3"][:num_proxies]
    request = request_with(", ".join([spoofed, *real_hops]))
    assert client_ip(request) == "203.0.113.7"
    # However many addresses the client prepends, the answer is the same.
    request = request_with(", ".join([spoofed, spoofed, "8.8.8.8", *real_hops]))
    assert client_ip(request) == "203.0.113.7"
