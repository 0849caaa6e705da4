"""Pure enrichment steps of the collect pipeline: each takes plain values and returns plain values.

No database, no request, no settings: the collect view, the buffer drainer and `import_events` call
them alike. Everything loaded from disk (ua-parser's regexes, the crawler list, the referrer lists,
the GeoIP database) is loaded once per process, lazily, on first use.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import crawleruseragents
import ua_parser_rs
from geoip2fast import GeoIP2Fast
from ua_parser import Domain, load_lazy_builtins
from ua_parser.regex import Resolver as RegexResolver

from analytics_site.text import CONTROL_CHARACTERS
from ingest.models import Channel, DeviceType, Event, ScreenBucket

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FAMILY_MAX = Event._meta.get_field("browser_family").max_length  # and os_family's
UTM_MAX = Event._meta.get_field("utm_source").max_length  # and the other utm_* columns'
USER_AGENT_MAX = 1024  # longer agents are cut before parsing, which also bounds the cache's memory

# --- user agent ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserAgentInfo:
    browser_family: str
    os_family: str
    device_type: DeviceType
    is_bot: bool


# Headless browsers, automation and HTTP libraries that crawler-user-agents 1.67.0 does not list
# (it has HeadlessChrome, PhantomJS, Selenium, Playwright, curl, Wget, python-requests,
# Go-http-client, okhttp, axios, ...), and the generic words. Case-insensitive; Rust regex syntax
# (no look-around). `[^u]bots?\b` spares the CUBOT phone brand ("CUBOT NOTE 7").
_EXTRA_BOT_PATTERNS = (
    r"headless",
    r"puppeteer",
    r"webdriver",
    r"cypress/",
    r"jsdom/",
    r"lighthouse",
    r"^java/",
    r"guzzlehttp",
    r"^dart/|\bdart:io\b",
    r"^deno/",
    r"\bundici\b",
    r"postmanruntime",
    r"^insomnia/",
    r"^ruby\b",
    r"\bfaraday\b",
    r"^reqwest\b",
    r"(?:^|[^u])bots?\b",
    r"spider",
    r"crawl",
)

_DESKTOP_OS = frozenset(
    {
        "macOS",
        "Linux",
        "Ubuntu",
        "Debian",
        "Fedora",
        "Red Hat",
        "SUSE",
        "CentOS",
        "Mint",
        "Linux Mint",
        "Arch Linux",
        "Gentoo",
        "Kubuntu",
        "Mandriva",
        "Mageia",
        "Slackware",
        "Chrome OS",
        "ChromeOS",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "Solaris",
    }
)
_MOBILE_OS = frozenset(
    {
        "iOS",
        "Android",
        "Windows Phone",
        "BlackBerry OS",
        "BlackBerry Tablet OS",
        "KaiOS",
        "Firefox OS",
        "Symbian OS",
        "Symbian^3",
        "Bada",
        "webOS",
        "Tizen",
        "HarmonyOS",
    }
)
_NOT_DESKTOP_WINDOWS = frozenset({"Windows Phone", "Windows Mobile", "Windows CE"})
# Smart TVs, streaming sticks and consoles (lower-case substrings): not desktop, mobile or tablet.
_TV_OR_CONSOLE_MARKERS = (
    "smart-tv",
    "smarttv",
    "android tv",
    "googletv",
    "crkey",
    "bravia",
    "hbbtv",
    "web0s",
    "playstation",
    "xbox",
    "nintendo",
)
_FIRE_TV = re.compile(r"\baft[a-z]{1,3}\b")  # Amazon Fire TV models: AFTMM, AFTS, AFTKA, ...


@cache
def _ua_resolver() -> RegexResolver:
    # ua-parser's Rust-backed resolver (ua-parser-rs); our own lru_cache sits in front of it.
    return RegexResolver(load_lazy_builtins())


@cache
def _crawler_matcher() -> Callable[[str], Any]:
    """One compiled Rust regex set over crawler-user-agents' patterns plus our extra signatures.

    crawleruseragents.is_crawler() runs ~60 Python regex chunks (about 100 µs for a browser);
    ua-parser-rs's DeviceExtractor is a generic "first of these regexes to match" set that does the
    same in about 1 µs. Same patterns, same case-sensitivity as the package's default.
    """
    rules = [
        (p["pattern"], None, "bot", None, None) for p in crawleruseragents.CRAWLER_USER_AGENTS_DATA
    ]
    rules += [(pattern, "i", "bot", None, None) for pattern in _EXTRA_BOT_PATTERNS]
    return ua_parser_rs.DeviceExtractor(rules).extract


def user_agent_parse(user_agent: str) -> UserAgentInfo:
    """Browser, OS, device type and bot flag of a User-Agent header (cached per distinct agent)."""
    return _user_agent_parse(user_agent[:USER_AGENT_MAX])


@lru_cache(maxsize=10_000)
def _user_agent_parse(user_agent: str) -> UserAgentInfo:
    if not user_agent.strip():
        return UserAgentInfo("Other", "Other", DeviceType.BOT, is_bot=True)
    parsed = _ua_resolver()(user_agent, Domain.ALL)
    browser = parsed.user_agent.family if parsed.user_agent else "Other"
    os_family = parsed.os.family if parsed.os else "Other"
    device = parsed.device.family if parsed.device else "Other"
    if os_family == "Mac OS X":
        os_family = "macOS"  # the spec's name; ua-parser keeps the old one
    is_bot = device == "Spider" or _crawler_matcher()(user_agent) is not None
    device_type = (
        DeviceType.BOT if is_bot else _device_type(user_agent, os_family=os_family, device=device)
    )
    return UserAgentInfo(_family_clean(browser), _family_clean(os_family), device_type, is_bot)


def _family_clean(family: str) -> str:
    # The header is the browser's, not the site's: a family that could not be stored is cleaned
    # (controls dropped, cut to the column) rather than losing the page view.
    return CONTROL_CHARACTERS.sub("", family)[:FAMILY_MAX] or "Other"


def _device_type(user_agent: str, *, os_family: str, device: str) -> DeviceType:
    lowered = user_agent.lower()
    if any(marker in lowered for marker in _TV_OR_CONSOLE_MARKERS) or (
        "aft" in lowered and _FIRE_TV.search(lowered)
    ):
        return DeviceType.OTHER
    if (
        device == "iPad"
        or "iPad" in user_agent
        or "Kindle" in user_agent
        or "Silk/" in user_agent
        # Android browsers put "Mobile" in phones' agents only (Chrome's and Firefox's convention).
        or (os_family == "Android" and "Mobile" not in user_agent)
        or ("Tablet" in user_agent and "Tablet PC" not in user_agent)
    ):
        return DeviceType.TABLET
    if "Mobi" in user_agent or device in ("iPhone", "iPod") or os_family in _MOBILE_OS:
        return DeviceType.MOBILE
    if os_family in _DESKTOP_OS or (
        os_family.startswith("Windows") and os_family not in _NOT_DESKTOP_WINDOWS
    ):
        return DeviceType.DESKTOP
    return DeviceType.OTHER


# --- UTM parameters ------------------------------------------------------------------------------


class Utm(NamedTuple):
    """The five UTM values of an event, cleaned (None when absent or blank)."""

    source: str | None
    medium: str | None
    campaign: str | None
    term: str | None
    content: str | None


_UTM_KEYS = tuple(f"utm_{name}" for name in Utm._fields)


def _utm_clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()[:UTM_MAX].strip()
    return value or None


def utm_extract(
    url: str,
    *,
    utm_source: str | None,
    utm_medium: str | None,
    utm_campaign: str | None,
    utm_term: str | None,
    utm_content: str | None,
) -> Utm:
    """Each UTM value: the body's when given, else the url's query string's."""
    given = Utm(
        _utm_clean(utm_source),
        _utm_clean(utm_medium),
        _utm_clean(utm_campaign),
        _utm_clean(utm_term),
        _utm_clean(utm_content),
    )
    if all(given) or "utm_" not in url:
        return given
    try:
        query = urlsplit(url).query
    except ValueError:
        return given
    from_url: dict[str, str] = {}
    for key, value in parse_qsl(query):
        if key in _UTM_KEYS and key not in from_url:
            from_url[key] = value
    return Utm._make(
        body or _utm_clean(from_url.get(key)) for body, key in zip(given, _UTM_KEYS, strict=True)
    )


# --- referrer ------------------------------------------------------------------------------------

_REFERRER_LISTS = Path(__file__).resolve().parent / "data" / "referrers.json"
_PAID_MARKERS = ("cpc", "ppc", "paid")
# Letters (any script), digits, "-", "_", "." and ":" (IPv6 literals): nothing else is a host.
_HOST_CHARS = re.compile(r"[\w.:-]+")
_CATEGORY_CHANNEL = {
    "search": Channel.ORGANIC_SEARCH,
    "social": Channel.SOCIAL,
    "email": Channel.EMAIL,
    "other": Channel.REFERRAL,
}


@dataclass(frozen=True, slots=True)
class _ReferrerLists:
    exact: dict[str, str]
    suffix: dict[str, str]
    tld_wildcard: dict[str, str]
    combined_tlds: frozenset[str]


@cache
def _referrer_lists() -> _ReferrerLists:
    data = json.loads(_REFERRER_LISTS.read_text(encoding="utf-8"))
    return _ReferrerLists(
        exact=data["exact"],
        suffix=data["suffix"],
        tld_wildcard=data["tld_wildcard"],
        combined_tlds=frozenset(data["combined_tlds"]),
    )


def _host_normalize(host: str) -> str:
    return host.strip().lower().rstrip(".").removeprefix("www.")


def _referrer_host(referrer: str) -> str | None:
    try:
        host = urlsplit(referrer.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = _host_normalize(host)
    if len(host) > 253 or not _HOST_CHARS.fullmatch(host):
        return None
    return host


@lru_cache(maxsize=50_000)
def _host_category(host: str) -> str | None:
    """search / social / email / other for a normalized host, or None when it is in no list."""
    lists = _referrer_lists()
    category = lists.exact.get(host) or lists.suffix.get(host)
    if category:
        return category
    # "google.{}": the host minus its TLD (one label, or two for co.uk, com.au and the like).
    labels = host.split(".")
    if len(labels) >= 2:
        category = lists.tld_wildcard.get(".".join(labels[:-1]))
        if category is None and len(labels) >= 3 and labels[-2] in lists.combined_tlds:
            category = lists.tld_wildcard.get(".".join(labels[:-2]))
        if category:
            return category
    # Any subdomain of a listed site: strip one label at a time (m.facebook.com -> facebook.com).
    parent = host
    while (dot := parent.find(".")) != -1:
        parent = parent[dot + 1 :]
        category = lists.suffix.get(parent)
        if category:
            return category
    return None


def referrer_classify(
    referrer: str | None, *, site_domain: str, utm_medium: str | None
) -> tuple[str | None, Channel]:
    """(referrer_domain, channel) per the spec's table; an internal referrer is not a source."""
    is_email_campaign = utm_medium is not None and utm_medium.strip().lower() == "email"
    host = _referrer_host(referrer) if referrer else None
    if host is not None:
        site = _host_normalize(site_domain)
        if site and (host == site or host.endswith("." + site)):
            host = None  # internal navigation
    if is_email_campaign:
        return host, Channel.EMAIL
    if host is None:
        return None, Channel.DIRECT
    category = _host_category(host)
    if category is None:
        return host, Channel.REFERRAL
    if category == "search" and utm_medium:
        medium = utm_medium.lower()
        if any(marker in medium for marker in _PAID_MARKERS):
            return host, Channel.PAID_SEARCH
    return host, _CATEGORY_CHANNEL[category]


# --- content groups ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _content_groups_compile(groups: tuple[tuple[str, str], ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((name, re.compile(fnmatch.translate(pattern)).match) for name, pattern in groups)


def content_group_match(path: str, groups: list[dict]) -> str | None:
    """Name of the first group whose glob `pattern` matches the path (fnmatchcase), or None."""
    if not groups:
        return None
    key = tuple(
        (group["name"], group["pattern"])
        for group in groups
        if isinstance(group.get("name"), str) and isinstance(group.get("pattern"), str)
    )
    for name, match in _content_groups_compile(key):
        if match(path):
            return name
    return None


# --- excluded IPs --------------------------------------------------------------------------------


def _network_unmap(network: Network) -> Network:
    """::ffff:1.2.3.0/120 -> 1.2.3.0/24, so IPv4-mapped entries match plain IPv4 clients."""
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    return network


@lru_cache(maxsize=4096)
def _excluded_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            continue  # the websites API validates; a bad entry must not break ingestion
        networks.append(_network_unmap(network))
    return tuple(networks)


def excluded_networks(excluded_ips: list[str]) -> tuple[Network, ...]:
    """The website's `excluded_ips` (addresses and CIDR ranges) as networks, parsed once."""
    return _excluded_networks(tuple(excluded_ips))


def ip_excluded(ip: str, networks: tuple[Network, ...]) -> bool:
    """Whether the IP (v4, v6 or IPv4-mapped v6) is in one of the networks."""
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


# --- screen width --------------------------------------------------------------------------------


def screen_bucket(width: int | None) -> ScreenBucket:
    """The devices report's bucket of a viewport width; widths under 320 count as 320-375."""
    if width is None or width <= 0:
        return ScreenBucket.UNKNOWN
    if width <= 375:
        return ScreenBucket.UP_TO_375
    if width <= 768:
        return ScreenBucket.UP_TO_768
    if width <= 1024:
        return ScreenBucket.UP_TO_1024
    if width <= 1440:
        return ScreenBucket.UP_TO_1440
    return ScreenBucket.WIDER


# --- country -------------------------------------------------------------------------------------

# geoip2fast ships an IPv4-only database (the default) and an IPv4+IPv6 one: load the latter.
_GEOIP_DATA_FILE = "geoip2fast-ipv6.dat.gz"
_geoip_lock = threading.Lock()
_geoip: GeoIP2Fast | None = None


def _geoip_reader() -> GeoIP2Fast:
    global _geoip
    if _geoip is None:
        with _geoip_lock:
            if _geoip is None:
                _geoip = GeoIP2Fast(geoip2fast_data_file=_GEOIP_DATA_FILE)
    return _geoip


def country_lookup(ip: str) -> str | None:
    """ISO 3166-1 alpha-2 country of an IP from the offline database; None if private or unknown."""
    ip = ip.strip()
    if ip[:7].lower() == "::ffff:":
        # IPv4-mapped IPv6: the database files it under the IPv4 address.
        try:
            mapped = ipaddress.IPv6Address(ip).ipv4_mapped
        except ValueError:
            return None
        if mapped is not None:
            ip = str(mapped)
    result = _geoip_reader().lookup(ip)
    code = result.country_code
    if result.is_private or len(code) != 2 or not code.isalpha():
        return None  # "--" private / not found, "" invalid
    return code


def enrichment_warm_up() -> None:
    """Loads the user-agent regexes, crawler list and GeoIP database now, not on a first request."""
    user_agent_parse("Mozilla/5.0 (X11; Linux x86_64) warm-up")
    referrer_classify("https://www.google.com/", site_domain="example.com", utm_medium=None)
    country_lookup("8.8.8.8")
