"""Shared set-up of the benchmarks: a database of their own, and realistic traffic."""

import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/trailmark_bench"
)
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")

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


def bench_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": BENCH_DATABASE_URL,
        "REDIS_URL": BENCH_REDIS_URL,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key"),
    }


def django_setup() -> None:
    """Creates the bench database if needed, migrates it and sets Django up in this process."""
    import psycopg

    name = BENCH_DATABASE_URL.rsplit("/", 1)[1]
    admin_url = BENCH_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(bench_env())
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=bench_env(), check=True
    )
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()


def random_event(rng: random.Random, website_id: str, host: str) -> dict:
    path = rng.choice(PATHS)
    event_type = rng.choice(EVENT_TYPES)
    event = {
        "website_id": website_id,
        "event_type": event_type,
        "url": f"https://{host}{path}"
        + ("?utm_source=newsletter&utm_medium=email" if rng.random() < 0.1 else ""),
        "path": path,
        "referrer": rng.choice(REFERRERS),
        "screen_width": rng.choice([375, 390, 768, 1280, 1440, 1920, 2560]),
        "screen_height": 900,
    }
    if rng.random() < 0.05:
        event.update(
            event_type="custom",
            event_name=rng.choice(["signup", "download", "video_play"]),
            properties={"plan": "pro"},
        )
    return event
