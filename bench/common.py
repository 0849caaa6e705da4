"""Shared set-up of the benchmarks: a database of their own, and realistic traffic."""

import os
import subprocess
import sys
from pathlib import Path

from ingest.demo import (  # noqa: F401  (re-exported for the benchmarks)
    PATHS,
    REFERRERS,
    USER_AGENTS,
    random_event,
)

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/trailmark_bench"
)
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def bench_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": BENCH_DATABASE_URL,
        "REDIS_URL": BENCH_REDIS_URL,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key"),
        # Production settings want a key secret of their own.
        "TRAILMARK_KEY_SECRET": os.environ.get("TRAILMARK_KEY_SECRET", "bench-key-secret"),
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
