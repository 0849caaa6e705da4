"""The pure enrichment steps of the collect pipeline: user agent, UTM, referrer, content group,
excluded IPs, screen bucket and country. No database."""

import ipaddress

import pytest

from ingest import enrichment
from ingest.data import build_referrer_lists
from ingest.enrichment import (
    UserAgentInfo,
    content_group_match,
    country_lookup,
    excluded_networks,
    ip_excluded,
    referrer_classify,
    screen_bucket,
    user_agent_parse,
    utm_extract,
)
from ingest.models import Channel, DeviceType, ScreenBucket

# --- user agent -----------------------------------------------------------------------------------

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAFARI_MACOS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36"
)
CHROME_ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Safari/537.36"
)
FIREFOX_ANDROID_TABLET = "Mozilla/5.0 (Android 14; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
FIREFOX_UBUNTU = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/124.0.2478.80"
CHROMEBOOK = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAMSUNG_INTERNET = (
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"
)
FACEBOOK_APP_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/21E219 [FBAN/FBIOS;FBAV/460.0.0.40.108;FBDV/iPhone15,2;FBSN/iOS]"
)
KINDLE_FIRE = (
    "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Silk/124.1.1 like Chrome/124.0.6367.82 Safari/537.36"
)
SAMSUNG_TV = (
    "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "76.0.3809.146/6.0 TV Safari/537.36"
)
XBOX = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edge/44.18363.8131"
)
FIRE_TV = (
    "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
# A phone brand whose name contains "bot": not a bot.
CUBOT_PHONE = (
    "Mozilla/5.0 (Linux; Android 9; CUBOT NOTE 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_SMARTPHONE = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)
BINGBOT = (
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"
)
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "browser", "os_family", "device_type"),
    [
        (CHROME_WINDOWS, "Chrome", "Windows", DeviceType.DESKTOP),
        (EDGE_WINDOWS, "Edge", "Windows", DeviceType.DESKTOP),
        (SAFARI_MACOS, "Safari", "macOS", DeviceType.DESKTOP),
        (FIREFOX_LINUX, "Firefox", "Linux", DeviceType.DESKTOP),
        (FIREFOX_UBUNTU, "Firefox", "Ubuntu", DeviceType.DESKTOP),
        (CHROMEBOOK, "Chrome", "Chrome OS", DeviceType.DESKTOP),
        (SAFARI_IPHONE, "Mobile Safari", "iOS", DeviceType.MOBILE),
        (FACEBOOK_APP_IPHONE, "Facebook", "iOS", DeviceType.MOBILE),
        (CHROME_ANDROID_PHONE, "Chrome Mobile", "Android", DeviceType.MOBILE),
        (SAMSUNG_INTERNET, "Samsung Internet", "Android", DeviceType.MOBILE),
        (CUBOT_PHONE, "Chrome Mobile", "Android", DeviceType.MOBILE),
        (SAFARI_IPAD, "Mobile Safari", "iOS", DeviceType.TABLET),
        (CHROME_ANDROID_TABLET, "Chrome", "Android", DeviceType.TABLET),
        (FIREFOX_ANDROID_TABLET, "Firefox Mobile", "Android", DeviceType.TABLET),
        (KINDLE_FIRE, "Amazon Silk", "Android", DeviceType.TABLET),
        (SAMSUNG_TV, "Safari", "Tizen", DeviceType.OTHER),
        (XBOX, "Edge", "Windows", DeviceType.OTHER),
        (FIRE_TV, "Chrome Mobile", "Android", DeviceType.OTHER),
    ],
)
def test_user_agent_parse_people(user_agent, browser, os_family, device_type):
    assert user_agent_parse(user_agent) == UserAgentInfo(
        browser_family=browser, os_family=os_family, device_type=device_type, is_bot=False
    )


@pytest.mark.parametrize(
    ("user_agent", "browser"),
    [
        (GOOGLEBOT, "Googlebot"),
        (GOOGLEBOT_SMARTPHONE, "Googlebot"),
        (BINGBOT, "bingbot"),
        (HEADLESS_CHROME, "HeadlessChrome"),
        ("curl/8.5.0", "curl"),
        ("Wget/1.21.4", "Wget"),
        ("python-requests/2.31.0", "Python Requests"),
        ("Go-http-client/1.1", "Go-http-client"),
        ("Mozilla/5.0 (compatible; PhantomJS/2.1.1)", None),
        ("Mozilla/5.0 Playwright/1.43", None),
        ("Mozilla/5.0 (X11; Linux x86_64) puppeteer", None),
        ("Java/17.0.2", None),
        ("GuzzleHttp/7", None),
        ("Mozilla/5.0 (compatible; SomeNewBot/0.1; +https://example.com/bot)", None),
        ("my-spider/1.0", None),
        ("", "Other"),
        ("   ", "Other"),
    ],
)
def test_user_agent_parse_bots(user_agent, browser):
    info = user_agent_parse(user_agent)
    assert info.is_bot is True
    assert info.device_type == DeviceType.BOT
    if browser is not None:
        assert info.browser_family == browser


def test_user_agent_parse_unknown_agent_is_other_not_desktop():
    info = user_agent_parse("SomethingNobodyKnows/1.0")
    assert info == UserAgentInfo("Other", "Other", DeviceType.OTHER, is_bot=False)


def test_user_agent_parse_caches_each_agent():
    assert user_agent_parse(CHROME_WINDOWS) is user_agent_parse(CHROME_WINDOWS)


def test_user_agent_parse_bounds_hostile_agents():
    huge = CHROME_WINDOWS + " x" * 50_000
    info = user_agent_parse(huge)
    assert info.browser_family == "Chrome"
    assert len(info.browser_family) <= 64 and len(info.os_family) <= 64


@pytest.mark.parametrize(
    ("family", "stored"),
    [
        ("Chrome", "Chrome"),
        ("Fire\x01fox\x7f", "Firefox"),
        ("\x00\t", "Other"),
        ("B" * 100, "B" * enrichment.FAMILY_MAX),
    ],
)
def test_user_agent_families_are_cleaned_to_fit_their_column(family, stored):
    # The header is the browser's: its families are cleaned, never a reason to refuse the event.
    assert enrichment._family_clean(family) == stored
    assert enrichment.FAMILY_MAX == 64


# --- UTM parameters -------------------------------------------------------------------------------

NO_BODY = dict.fromkeys(("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"))


def test_utm_extract_from_the_url():
    url = (
        "https://example.com/p?utm_source=twitter&utm_medium=social&utm_campaign=launch&x=1"
        "&utm_term=web+analytics&utm_content=hero-link"
    )
    utm = utm_extract(url, **NO_BODY)
    assert utm == ("twitter", "social", "launch", "web analytics", "hero-link")
    assert (utm.term, utm.content) == ("web analytics", "hero-link")


def test_utm_extract_body_values_win():
    url = (
        "https://example.com/p?utm_source=twitter&utm_medium=social&utm_campaign=launch"
        "&utm_term=t&utm_content=c"
    )
    result = utm_extract(
        url,
        utm_source="newsletter",
        utm_medium=None,
        utm_campaign="",
        utm_term="body term",
        utm_content=None,
    )
    assert result == ("newsletter", "social", "launch", "body term", "c")
    result = utm_extract(url, **{**NO_BODY, "utm_content": "body content"})
    assert result == ("twitter", "social", "launch", "t", "body content")


def test_utm_extract_all_body_values_skip_the_url():
    url = "https://example.com/p?utm_source=u&utm_medium=u&utm_campaign=u&utm_term=u&utm_content=u"
    body = {key: key[4:] for key in NO_BODY}
    assert utm_extract(url, **body) == ("source", "medium", "campaign", "term", "content")


def test_utm_extract_blank_body_value_falls_back_to_the_url():
    url = "https://example.com/?utm_medium=email&utm_term=shoes"
    blank = {**NO_BODY, "utm_source": "  ", "utm_medium": "   ", "utm_term": " "}
    assert utm_extract(url, **blank) == (None, "email", None, "shoes", None)


def test_utm_extract_decodes_strips_and_caps():
    url = (
        "https://example.com/?utm_source=%20Big+News%20&utm_campaign="
        + "c" * 300
        + "&utm_term=%20a%26b%20&utm_content="
        + "x" * 300
    )
    source, medium, campaign, term, content = utm_extract(url, **NO_BODY)
    assert source == "Big News"
    assert medium is None
    assert campaign == "c" * 255
    assert term == "a&b"
    assert content == "x" * 255
    body = utm_extract(
        url, **{**NO_BODY, "utm_source": " s ", "utm_medium": "m" * 300, "utm_term": "t" * 300}
    )
    assert body[:4] == ("s", "m" * 255, "c" * 255, "t" * 255)


def test_utm_extract_empty_and_repeated_values():
    url = "https://example.com/?utm_source=&utm_medium=a&utm_medium=b&utm_content=1&utm_content=2"
    assert utm_extract(url, **NO_BODY) == (None, "a", None, None, "1")


@pytest.mark.parametrize(
    "url", ["https://example.com/blog", "", "not a url", "http://[::1/?utm_source=x"]
)
def test_utm_extract_without_parameters(url):
    assert utm_extract(url, **NO_BODY) == (None, None, None, None, None)


# --- referrer -------------------------------------------------------------------------------------

SITE = "example.com"


def classify(referrer, *, site_domain=SITE, utm_medium=None):
    return referrer_classify(referrer, site_domain=site_domain, utm_medium=utm_medium)


@pytest.mark.parametrize(
    ("referrer", "domain"),
    [
        ("https://www.google.com/", "google.com"),
        ("https://google.com/search?q=analytics", "google.com"),
        ("https://www.google.co.uk/", "google.co.uk"),
        ("https://www.google.de/", "google.de"),
        ("https://www.google.com.au/", "google.com.au"),
        ("https://images.google.fr/", "images.google.fr"),
        ("https://www.bing.com/", "bing.com"),
        ("https://cn.bing.com/", "cn.bing.com"),
        ("https://duckduckgo.com/", "duckduckgo.com"),
        ("https://search.yahoo.com/", "search.yahoo.com"),
        ("https://uk.search.yahoo.com/", "uk.search.yahoo.com"),
        ("https://yandex.ru/", "yandex.ru"),
        ("https://www.baidu.com/", "baidu.com"),
        ("https://www.ecosia.org/", "ecosia.org"),
        ("https://search.brave.com/", "search.brave.com"),
        ("android-app://com.google.android.googlequicksearchbox/", None),
    ],
)
def test_referrer_search_engines_are_organic_search(referrer, domain):
    result_domain, channel = classify(referrer)
    assert channel == Channel.ORGANIC_SEARCH
    if domain is not None:
        assert result_domain == domain


@pytest.mark.parametrize("medium", ["cpc", "PPC", "paid_search", "google-cpc"])
def test_referrer_search_engine_with_paid_medium_is_paid_search(medium):
    assert classify("https://www.google.com/", utm_medium=medium) == (
        "google.com",
        Channel.PAID_SEARCH,
    )


@pytest.mark.parametrize(
    "referrer",
    [
        "https://t.co/abc123",
        "https://twitter.com/someone",
        "https://x.com/someone/status/1",
        "https://www.facebook.com/",
        "https://m.facebook.com/",
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com",
        "https://www.instagram.com/",
        "https://www.linkedin.com/feed/",
        "https://lnkd.in/abc",
        "https://www.reddit.com/r/django/",
        "https://old.reddit.com/",
        "https://news.ycombinator.com/item?id=1",
        "https://www.youtube.com/watch?v=1",
        "https://m.youtube.com/",
        "https://www.pinterest.com/pin/1/",
        "https://pinterest.co.uk/",
    ],
)
def test_referrer_social_networks_are_social(referrer):
    assert classify(referrer)[1] == Channel.SOCIAL


def test_referrer_paid_medium_on_social_stays_social():
    assert classify("https://www.facebook.com/", utm_medium="paid_social")[1] == Channel.SOCIAL


@pytest.mark.parametrize(
    ("referrer", "domain"),
    [
        ("https://mail.google.com/mail/u/0/", "mail.google.com"),
        ("https://outlook.live.com/mail/0/", "outlook.live.com"),
        ("https://mail.yahoo.com/d/folders/1", "mail.yahoo.com"),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
    ],
)
def test_referrer_webmail_is_email(referrer, domain):
    assert classify(referrer) == (domain, Channel.EMAIL)


@pytest.mark.parametrize("medium", ["email", "Email", " EMAIL "])
def test_utm_medium_email_is_email_whatever_the_referrer(medium):
    assert classify(None, utm_medium=medium) == (None, Channel.EMAIL)
    assert classify("https://www.google.com/", utm_medium=medium) == ("google.com", Channel.EMAIL)
    assert classify("https://www.example.com/", utm_medium=medium) == (None, Channel.EMAIL)


def test_utm_medium_containing_email_is_not_email():
    assert classify(None, utm_medium="emailing-partner") == (None, Channel.DIRECT)


@pytest.mark.parametrize(
    ("referrer", "domain"),
    [
        ("https://blog.djangoproject.com/2024/", "blog.djangoproject.com"),
        ("https://WWW.Some-Site.ORG/page", "some-site.org"),
        ("http://www.news.example.net:8080/a?b=c", "news.example.net"),
        ("https://docs.google.com/document/d/1", "docs.google.com"),
        ("https://maps.google.com/", "maps.google.com"),
        ("https://news.yahoo.com/", "news.yahoo.com"),
        ("https://notexample.com/", "notexample.com"),
        ("https://example.com.evil.net/", "example.com.evil.net"),
    ],
)
def test_referrer_other_sites_are_referral(referrer, domain):
    assert classify(referrer) == (domain, Channel.REFERRAL)


@pytest.mark.parametrize(
    "referrer",
    [None, "", "   ", "not a url", "javascript:alert(1)", "http://<script>/", "https://"],
)
def test_no_or_invalid_referrer_is_direct(referrer):
    assert classify(referrer) == (None, Channel.DIRECT)


@pytest.mark.parametrize(
    ("referrer", "site_domain"),
    [
        ("https://example.com/pricing", "example.com"),
        ("https://www.example.com/", "example.com"),
        ("https://example.com/", "www.example.com"),
        ("https://WWW.EXAMPLE.COM/", "Example.com"),
        ("https://blog.example.com/post", "example.com"),
        ("https://www.shop.example.com/", "www.example.com"),
    ],
)
def test_referrer_on_the_sites_own_domain_is_internal(referrer, site_domain):
    assert classify(referrer, site_domain=site_domain) == (None, Channel.DIRECT)


def test_referrer_lists_are_generated_from_the_vendored_upstream_files():
    committed = build_referrer_lists.OUTPUT.read_text(encoding="utf-8")
    assert committed == build_referrer_lists.render(build_referrer_lists.build())


# --- content groups -------------------------------------------------------------------------------

GROUPS = [
    {"name": "Docs", "pattern": "/docs/*"},
    {"name": "Blog", "pattern": "/blog/*"},
    {"name": "Everything under blog", "pattern": "/blog*"},
    {"name": "Legal", "pattern": "/legal/[pt]*"},
    {"name": "One-letter", "pattern": "/?"},
]


@pytest.mark.parametrize(
    ("path", "group"),
    [
        ("/docs/install", "Docs"),
        ("/blog/post-1", "Blog"),  # first match wins over "/blog*"
        ("/blog/2024/05/post", "Blog"),  # "*" crosses "/"
        ("/blog", "Everything under blog"),
        ("/legal/privacy", "Legal"),
        ("/legal/cookies", None),
        ("/a", "One-letter"),
        ("/Blog/post-1", None),  # case-sensitive
        ("/pricing", None),
    ],
)
def test_content_group_match(path, group):
    assert content_group_match(path, GROUPS) == group


def test_content_group_match_without_groups():
    assert content_group_match("/blog/x", []) is None


def test_content_group_match_ignores_malformed_groups():
    groups = [{"name": "No pattern"}, {"pattern": "/x*"}, {"name": "X", "pattern": "/x*"}]
    assert content_group_match("/xyz", groups) == "X"


# --- excluded IPs ---------------------------------------------------------------------------------

EXCLUDED = ["203.0.113.7", "198.51.100.0/24", "2001:db8::1", "2001:db8:abcd::/48", "10.1.2.3/8"]


@pytest.mark.parametrize(
    ("ip", "excluded"),
    [
        ("203.0.113.7", True),
        ("203.0.113.8", False),
        ("198.51.100.200", True),
        ("198.51.101.1", False),
        ("10.200.0.1", True),  # "10.1.2.3/8" has host bits set: strict=False
        ("2001:db8::1", True),
        ("2001:0db8:0000::0001", True),
        ("2001:db8::2", False),
        ("2001:db8:abcd:1::5", True),
        ("2001:db8:abce::5", False),
        ("::ffff:203.0.113.7", True),  # IPv4-mapped IPv6 client
        ("::ffff:198.51.100.9", True),
        (" 203.0.113.7 ", True),
        ("not an ip", False),
        ("", False),
    ],
)
def test_ip_excluded(ip, excluded):
    assert ip_excluded(ip, excluded_networks(EXCLUDED)) is excluded


def test_excluded_networks_parses_once_and_skips_invalid_entries():
    networks = excluded_networks(["192.0.2.0/24", "bogus", "::ffff:192.0.2.99"])
    assert networks == (
        ipaddress.ip_network("192.0.2.0/24"),
        ipaddress.ip_network("192.0.2.99/32"),  # an IPv4-mapped entry matches IPv4 clients
    )
    assert excluded_networks(["192.0.2.0/24", "bogus", "::ffff:192.0.2.99"]) is networks
    assert ip_excluded("192.0.2.99", networks)


def test_ip_excluded_without_networks():
    assert ip_excluded("203.0.113.7", excluded_networks([])) is False


# --- screen width ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "bucket"),
    [
        (None, ScreenBucket.UNKNOWN),
        (0, ScreenBucket.UNKNOWN),
        (-1, ScreenBucket.UNKNOWN),
        (1, ScreenBucket.UP_TO_375),
        (319, ScreenBucket.UP_TO_375),
        (320, ScreenBucket.UP_TO_375),
        (375, ScreenBucket.UP_TO_375),
        (376, ScreenBucket.UP_TO_768),
        (768, ScreenBucket.UP_TO_768),
        (769, ScreenBucket.UP_TO_1024),
        (1024, ScreenBucket.UP_TO_1024),
        (1025, ScreenBucket.UP_TO_1440),
        (1440, ScreenBucket.UP_TO_1440),
        (1441, ScreenBucket.WIDER),
        (3840, ScreenBucket.WIDER),
    ],
)
def test_screen_bucket(width, bucket):
    assert screen_bucket(width) == bucket


def test_screen_bucket_labels_are_the_specs():
    assert [label for _, label in ScreenBucket.choices] == [
        "unknown",
        "320-375",
        "376-768",
        "769-1024",
        "1025-1440",
        "1441+",
    ]


# --- country --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("8.8.8.8", "US"),
        ("81.2.69.160", "GB"),
        ("2001:4860:4860::8888", "US"),  # the IPv6-capable database is loaded
        ("2a00:1450:4001::1", "DE"),
        ("::ffff:8.8.8.8", "US"),
        (" 8.8.8.8 ", "US"),
    ],
)
def test_country_lookup(ip, country):
    assert country_lookup(ip) == country


@pytest.mark.parametrize(
    "ip", ["127.0.0.1", "10.0.0.1", "192.168.1.1", "100.64.0.1", "::1", "::ffff:10.0.0.1", "", "x"]
)
def test_country_lookup_private_or_invalid_is_none(ip):
    assert country_lookup(ip) is None


def test_country_database_is_loaded_once():
    country_lookup("8.8.8.8")
    reader = enrichment._geoip_reader()
    country_lookup("1.1.1.1")
    assert enrichment._geoip_reader() is reader
