"""Debian's Chromium driven by Playwright, for the tests in a real browser.

Chromium is Debian's package at /usr/bin/chromium (scripts/ensure-browser.sh installs it); a
module that needs it calls `chromium_or_skip()` first: skipped locally without it, failed under CI.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # screenshots (ignored by git)
PHONE = {"width": 390, "height": 844}
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


@contextmanager
def chromium() -> Iterator[Browser]:
    """Not a fixture: no ORM call may run while it is open (Playwright's asyncio loop)."""
    chromium_required()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def signed_in(browser: Browser, live_server, session_key: str, **options) -> BrowserContext:
    """A browser context holding the session `session_key` (`tests.factories.session_signed_in`)."""
    context = browser.new_context(accept_downloads=True, **options)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}]
    )
    return context


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=full_page)
