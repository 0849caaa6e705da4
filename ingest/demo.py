"""Realistic synthetic traffic: the demo data of `seed_demo` and the load of the benchmarks."""

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
]
REFERRERS = [
    "",
    "",
    "https://www.google.com/",
    "https://www.bing.com/search?q=analytics",
    "https://t.co/abc123",
    "https://news.ycombinator.com/item?id=1",
    "https://www.facebook.com/",
    "https://blog.partner.example/post",
    "https://duckduckgo.com/",
]
PATHS = [
    "/",
    "/pricing",
    "/blog",
    "/blog/post-1",
    "/blog/post-2",
    "/docs",
    "/docs/install",
    "/about",
    "/signup",
    "/contact",
]
EVENT_TYPES = ["page_view"] * 6 + ["scroll_25", "scroll_50", "close_tab", "outbound_link"]
CUSTOM_EVENTS = ["signup", "download", "video_play"]


def random_event(rng: random.Random, website_id: str, host: str) -> dict:
    path = rng.choice(PATHS)
    event_type = rng.choice(EVENT_TYPES)
    event = {
        "website_id": website_id,
        "event_type": event_type,
        "url": f"https://{host}{path}"
        + (
            "?utm_source=newsletter&utm_medium=email&utm_content=footer"
            if rng.random() < 0.1
            else ""
        ),
        "path": path,
        "referrer": rng.choice(REFERRERS),
        "screen_width": rng.choice([375, 390, 768, 1280, 1440, 1920, 2560]),
        "screen_height": 900,
    }
    if rng.random() < 0.05:
        event.update(
            event_type="custom",
            event_name=rng.choice(CUSTOM_EVENTS),
            properties={"plan": "pro"},
        )
    return event


# Campaign landings of the demo visits: (utm_source, utm_medium, utm_campaign).
CAMPAIGNS = [
    ("newsletter", "email", "spring-launch"),
    ("newsletter", "email", "weekly-digest"),
    ("twitter", "social", "spring-launch"),
    ("google", "cpc", "brand"),
]
# Custom events of the demo visits, by the page they happen on: (name, properties).
PAGE_EVENTS = {
    "/signup": [("signup", {"plan": "pro"}), ("signup", {"plan": "free"})],
    "/docs/install": [("download", {"file": "trailmark.tar.gz"})],
    "/": [("video_play", {"video": "tour"})],
}


def demo_visit_lines(
    *, website_id: str, host: str, start: datetime, end: datetime, visits: int, seed: int = 1
) -> Iterator[bytes]:
    """NDJSON lines for `import_events`: `visits` visits spread over [start, end), each a visitor
    reading one to five pages a minute or two apart, scrolling, sometimes arriving from a
    campaign, signing up, downloading or playing the tour video (custom events with a property).
    """
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    for _ in range(visits):
        moment = start + timedelta(seconds=rng.uniform(0, span * 0.999))
        ip = ".".join(str(rng.randint(1, 223)) for _ in range(4))
        user_agent = rng.choice(USER_AGENTS)
        referrer = rng.choice(REFERRERS)
        campaign = rng.choice(CAMPAIGNS) if rng.random() < 0.15 else None
        for page in range(rng.choice([1, 1, 2, 3, 5])):
            path = rng.choice(PATHS)
            url = f"https://{host}{path}"
            if page == 0 and campaign:
                source, medium, name = campaign
                url += f"?utm_source={source}&utm_medium={medium}&utm_campaign={name}"
            scrolls = [("scroll_25", None), ("scroll_50", None)][: rng.randint(0, 2)]
            events = [("page_view", None), *scrolls]
            if path in PAGE_EVENTS and rng.random() < 0.4:
                events.append(("custom", rng.choice(PAGE_EVENTS[path])))
            for event_type, custom in events:
                event = {
                    "website_id": website_id,
                    "event_type": event_type,
                    "url": url,
                    "path": path,
                    "referrer": referrer if page == 0 else f"https://{host}/",
                    "screen_width": rng.choice([375, 390, 768, 1280, 1440, 1920]),
                    "timestamp": moment.isoformat(),
                    "ip": ip,
                    "user_agent": user_agent,
                }
                if custom:
                    event["event_name"], event["properties"] = custom
                yield json.dumps(event).encode()
                moment += timedelta(seconds=rng.randint(5, 40))
            moment += timedelta(seconds=rng.randint(20, 120))
            if moment >= end:
                break


def page_views_bulk_insert(*, website_id, first: datetime, last: datetime, count: int) -> None:
    """`count` page views spread evenly over [first, last], in one statement.

    For loads too big to go through the pipeline (a million-event website in the purge test and
    bench): 500 paths, a visitor per 40 events, one browser. Creates the partitions they need.
    """
    from django.db import connection, transaction

    from ingest.partitions import event_partitions_ensure

    months = {first.date() + timedelta(days=day) for day in range((last - first).days + 1)}
    event_partitions_ensure(months=months)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute(
            """
            INSERT INTO ingest_event (website_id, timestamp, event_type, path, referrer_channel,
                browser_family, os_family, device_type, screen_bucket, ip_hash, is_bot,
                is_excluded)
            SELECT %(website_id)s, %(first)s + (%(last)s - %(first)s) * (n::float8 / %(count)s),
                1, '/p' || (n %% 500), 1, 'Chrome', 'Windows', 1, 4,
                md5((n %% greatest(%(count)s / 40, 1))::text)::uuid, false, false
            FROM generate_series(1, %(count)s) AS n
            """,
            {"website_id": website_id, "first": first, "last": last, "count": count},
        )
