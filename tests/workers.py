"""A real Celery worker process for the tests, on the test database and Redis."""

import subprocess
import sys

from django.conf import settings

from tests.processes import process_env


def celery_worker_start() -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "analytics_site", "worker"),
            *("--pool", "solo", "--loglevel", "WARNING", "--without-mingle", "--without-gossip"),
        ],
        env=process_env(),
        cwd=settings.BASE_DIR,
    )
