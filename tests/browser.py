"""Debian's Chromium driven by Playwright, for the tests in a real browser.

Chromium is Debian's package at /usr/bin/chromium (scripts/ensure-browser.sh installs it); a
module that needs it calls `chromium_or_skip()` first: skipped locally without it, failed under CI.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_or_skip() -> None:
    """Skips the calling module when Chromium is missing, except under CI."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(
            f"{CHROMIUM} is missing: run `bash scripts/ensure-browser.sh` (apt-get install "
            "chromium)",
            allow_module_level=True,
        )


def chromium_required() -> None:
    """Fails a test run under CI without Chromium (locally the module was skipped)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing (CI is set): run `bash scripts/ensure-browser.sh`.")
