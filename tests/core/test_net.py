"""client_ip: REMOTE_ADDR, or what the outermost trusted proxy saw; never what the client chose.

client_key: the name every rate limiter counts a client under, never its address.
"""

import hashlib
import os

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from analytics_site.net import client_ip, client_key

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
        (1, "6.6.6.6, 203.0.113.7:https"),
        (1, "6.6.6.6, [2001:db8::1"),
        (1, "6.6.6.6, [2001:db8::1]443"),
        (1, "6.6.6.6, 203.0.113.7:443:1"),
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


# --- normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7:443", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("[::ffff:203.0.113.7]:8080", "203.0.113.7"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        (" 203.0.113.7 ", "203.0.113.7"),
    ],
)
def test_forwarded_addresses_are_normalised(settings, forwarded_for, expected):
    settings.TRAILMARK_NUM_PROXIES = 1
    assert client_ip(request_with(forwarded_for)) == expected


@pytest.mark.parametrize(
    ("remote_addr", "expected"),
    [
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:0db8::0001", "2001:db8::1"),
        ("203.0.113.7", "203.0.113.7"),
        # Not an address (a Unix socket gives none): kept, there is nothing better to use.
        ("", ""),
        ("unix-socket", "unix-socket"),
    ],
)
def test_remote_addr_is_normalised(settings, remote_addr, expected):
    settings.TRAILMARK_NUM_PROXIES = 0
    assert client_ip(request_with(remote_addr=remote_addr)) == expected


def test_an_unparsable_forwarded_entry_falls_back_to_the_normalised_remote_addr(settings):
    settings.TRAILMARK_NUM_PROXIES = 1
    request = request_with("garbage", remote_addr="::ffff:10.0.0.9")
    assert client_ip(request) == PROXY


# --- client_key ---------------------------------------------------------------------------------


def test_client_key_hides_the_address_behind_a_keyed_hash(settings):
    key = client_key("203.0.113.7")
    assert key == client_key("203.0.113.7")
    assert key != client_key("203.0.113.8")
    assert "203" not in key
    # Keyed: not a bare hash of the address that anyone could recompute from a guess.
    assert key not in {
        hashlib.sha256(b"203.0.113.7").hexdigest()[:32],
        hashlib.md5(b"203.0.113.7").hexdigest(),
    }
    settings.SECRET_KEY = "another-secret"
    assert client_key("203.0.113.7") != key


def test_client_key_counts_ipv6_clients_by_their_64():
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    # IPv4 clients are counted one address each.
    assert client_key("203.0.113.7") != client_key("203.0.113.6")
