"""Prints the cost per call of the collect pipeline's enrichment steps (ingest/enrichment.py).

    .venv/bin/python bench/enrichment.py [--calls 5000]

No database or Redis is touched. "cold" user agents are all distinct (every call misses the
cache and runs ua-parser's Rust resolver plus the crawler regex set); "cached" cycles over 50
agents, as real traffic mostly does. One-time loading (regexes, referrer lists, GeoIP database) is
timed separately.
"""

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analytics_site.settings.test")

import django

django.setup()

from ingest import enrichment  # noqa: E402

AGENT_TEMPLATES = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{major}.0.{build}.{patch} Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.{build}.{patch} Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{patch} like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.{build} Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel {patch}) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{major}.0.{build}.{patch} Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{major}.0) Gecko/20100101 Firefox/{major}.{build}",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) r{build}.{patch}",
)
REFERRERS = (
    "https://www.google.com/",
    "https://www.google.co.uk/",
    "https://duckduckgo.com/",
    "https://t.co/abc123",
    "https://m.facebook.com/",
    "https://news.ycombinator.com/item?id=1",
    "https://mail.google.com/mail/u/0/",
    "https://blog.djangoproject.com/2024/",
    "https://www.example.com/pricing",
    None,
)


def per_call_us(function: Callable, arguments: Sequence) -> float:
    start = time.perf_counter_ns()
    for argument in arguments:
        function(argument)
    return (time.perf_counter_ns() - start) / len(arguments) / 1000


def once_ms(function: Callable) -> float:
    start = time.perf_counter_ns()
    function()
    return (time.perf_counter_ns() - start) / 1e6


def report(step: str, case: str, value: float, unit: str = "µs/call") -> None:
    print(f"{step:<20} {case:<34} {value:9.2f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    calls = parser.parse_args().calls
    rng = random.Random(7)

    agents = [
        AGENT_TEMPLATES[i % len(AGENT_TEMPLATES)].format(
            major=100 + i % 30, build=i // 30, patch=rng.randrange(1000)
        )
        for i in range(calls)
    ]
    agents = list(dict.fromkeys(agents))  # all distinct: every call is a cache miss
    popular = agents[:50]
    cached_agents = [popular[i % len(popular)] for i in range(calls)]

    parse = enrichment.user_agent_parse
    report("user_agent_parse", "first call (loads regexes)", once_ms(lambda: parse("x/1")), "ms")
    enrichment._user_agent_parse.cache_clear()
    report("user_agent_parse", f"cold ({len(agents)} distinct agents)", per_call_us(parse, agents))
    report("user_agent_parse", "cached (50 agents)", per_call_us(parse, cached_agents))

    def classify(referrer: str | None) -> None:
        enrichment.referrer_classify(referrer, site_domain="example.com", utm_medium=None)

    report(
        "referrer_classify",
        "first call (loads lists)",
        once_ms(lambda: classify("https://t.co/")),
        "ms",
    )
    mixed = [REFERRERS[i % len(REFERRERS)] for i in range(calls)]
    report("referrer_classify", "mixed referrers, hosts cached", per_call_us(classify, mixed))
    unseen = [f"https://www{i}.blog{i % 97}.example.org/post" for i in range(calls)]
    report("referrer_classify", "distinct hosts (cache misses)", per_call_us(classify, unseen))

    country = enrichment.country_lookup
    report(
        "country_lookup", "first call (loads database)", once_ms(lambda: country("8.8.8.8")), "ms"
    )
    ipv4 = [
        f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
        for _ in range(calls)
    ]
    report("country_lookup", "random IPv4", per_call_us(country, ipv4))
    ipv6 = [f"2a0{rng.randrange(10)}:{rng.randrange(65536):x}::1" for _ in range(calls)]
    report("country_lookup", "random IPv6", per_call_us(country, ipv6))

    url = (
        "https://example.com/blog/post-1?utm_source=twitter&utm_medium=social&utm_campaign=x"
        "&utm_term=analytics&utm_content=header"
    )
    no_body = dict.fromkeys(("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"))

    def utm(_: object) -> None:
        enrichment.utm_extract(url, **no_body)

    report("utm_extract", "url with 5 parameters", per_call_us(utm, range(calls)))
    networks = enrichment.excluded_networks(["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"])
    excluded = per_call_us(lambda ip: enrichment.ip_excluded(ip, networks), ipv4)
    report("ip_excluded", "3 networks, random IPv4", excluded)
    groups = [{"name": "Docs", "pattern": "/docs/*"}, {"name": "Blog", "pattern": "/blog/*"}]
    paths = ["/blog/post-1", "/pricing"] * (calls // 2)
    grouped = per_call_us(lambda path: enrichment.content_group_match(path, groups), paths)
    report("content_group_match", "2 groups", grouped)


if __name__ == "__main__":
    main()
