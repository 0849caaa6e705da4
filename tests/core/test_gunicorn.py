"""gunicorn's access log: what each request was and how it went, never who sent it."""

import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

CONFIG = Path(settings.BASE_DIR) / "gunicorn.conf.py"


def test_access_log_format_names_no_client_address():
    access_log_format = runpy.run_path(str(CONFIG))["access_log_format"]
    assert "%(h)s" not in access_log_format
    assert "x-forwarded-for" not in access_log_format.lower()
    assert "%(r)s" in access_log_format and "%(s)s" in access_log_format


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """A real gunicorn on loopback with the project's config, logging access lines to a file."""
    port = free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "analytics_site.settings.test"}
    command = [sys.executable, "-m", "gunicorn", "analytics_site.wsgi", "--workers", "1"]
    command += ["--config", str(CONFIG), "--bind", f"127.0.0.1:{port}"]
    command += ["--access-logfile", str(log)]
    process = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_access_log_lines_carry_no_client_address(gunicorn):
    port, log = gunicorn
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/no-such-page",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "req-id-12345678"},
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=30)
    assert answer.value.code == 404

    deadline = time.monotonic() + 10
    while not log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    [line] = log.read_text().splitlines()
    assert '"GET /no-such-page HTTP/1.1" 404' in line
    assert re.search(r" \d+ms req-id-12345678$", line), line
    assert "127.0.0.1" not in line
    assert "203.0.113.7" not in line
