"""Every event answered 202 is stored exactly once, whatever is killed or restarted meanwhile.

Real processes: gunicorn (its master respawns a killed worker), the drainer, a Celery worker and
a Redis of the test's own that persists to an append-only file. Under a few thousand events from
concurrent clients, the drainer, a web worker and the Celery worker are SIGKILLed and Redis is
restarted; afterwards each event that got its 202 is in PostgreSQL once.
"""

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import redis
from django.conf import settings
from django.db import connection

from ingest.models import Event
from tests.factories import website_make
from tests.ingest.helpers import CHROME, event_body
from tests.processes import (
    celery_worker_start,
    drainer_start,
    free_port,
    private_redis,
    process_env,
    process_stop,
)

EVENTS = 3000
CLIENTS = 8


class Load:
    """CLIENTS threads posting EVENTS distinct events (by path), recording each answer."""

    def __init__(self, port: int, website):
        self.port, self.website = port, website
        self.statuses: dict[str, int | str] = {}
        self.sent = 0
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(CLIENTS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    def _run(self, client: int) -> None:
        for number in range(client, EVENTS, CLIENTS):
            path = f"/chaos/{number}"
            body = json.dumps(event_body(self.website, path=path))
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request(
                    "POST",
                    "/api/v1/collect",
                    body=body,
                    headers={"Content-Type": "application/json", "User-Agent": CHROME},
                )
                status: int | str = connection.getresponse().status
                connection.close()
            except OSError as error:  # a killed worker resets its connections
                status = type(error).__name__
            with self._lock:
                self.statuses[path] = status
                self.sent += 1

    def wait_for(self, fraction: float) -> None:
        deadline = time.monotonic() + 120
        while self.sent < EVENTS * fraction:
            assert time.monotonic() < deadline, "the load stalled"
            time.sleep(0.01)


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def web_ready(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/health")
        return connection.getresponse().status in (200, 503)
    except OSError:
        return False


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in found.stdout.split()]


@pytest.mark.django_db(transaction=True)
def test_every_accepted_event_is_stored_once_through_kills_and_a_redis_restart(tenant):
    site = website_make(account=tenant.account)
    with private_redis() as buffer_redis:
        env = {"REDIS_URL": buffer_redis.url, "TRAILMARK_COLLECT_RATE": "1000000/10s"}
        port = free_port()
        web = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "analytics_site.wsgi",
                "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning",
            ],
            env=process_env(**env),
            cwd=settings.BASE_DIR,
        )  # fmt: skip
        worker = celery_worker_start(pool="prefork", **env)
        drainer = drainer_start("--interval", "0.1", **env)
        try:
            wait_until(lambda: web_ready(port))
            load = Load(port, site)
            load.start()

            load.wait_for(0.15)
            drainer.send_signal(signal.SIGKILL)
            drainer.wait()
            drainer = drainer_start("--interval", "0.1", **env)

            load.wait_for(0.3)
            os_kill_one = children(web.pid)[0]
            subprocess.run(["kill", "-KILL", str(os_kill_one)], check=True)

            load.wait_for(0.45)
            worker.send_signal(signal.SIGKILL)
            worker.wait()

            load.wait_for(0.6)
            buffer_redis.stop()  # written out to its append-only file
            time.sleep(0.2)  # collect answers 503 meanwhile; the drainer backs off
            buffer_redis.start()

            load.join()
            client = redis.Redis.from_url(buffer_redis.url)
            wait_until(lambda: client.xlen(f"{settings.TRAILMARK_REDIS_PREFIX}:events") == 0)
            assert drainer.poll() is None, "the drainer died"
            assert web.poll() is None, "gunicorn died"
        finally:
            process_stop(drainer)
            process_stop(web)
            if worker.poll() is None:
                process_stop(worker)

    connection.close()
    stored = Counter(Event.objects.filter(website=site).values_list("path", flat=True))
    accepted = [path for path, status in load.statuses.items() if status == 202]
    refused = Counter(status for status in load.statuses.values() if status != 202)
    assert len(load.statuses) == EVENTS
    # Most got through (the rest met Redis down: 503, or their worker killed).
    assert len(accepted) > EVENTS / 2, refused
    assert [path for path in accepted if stored[path] != 1] == []
    # An event whose answer was lost (its worker killed) may be stored, but never twice.
    assert max(stored.values()) == 1
    assert set(stored) - set(accepted) <= {p for p, s in load.statuses.items() if s != 202}
