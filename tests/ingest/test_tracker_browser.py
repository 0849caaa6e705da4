"""The tracker in a real headless Chromium, end to end: script -> CORS collect -> buffer -> rows.

A customer page at http://shop.test/ (a small HTTP server of this module, which Chromium reaches
through --host-resolver-rules) embeds the snippet pointing at the live server, a different origin,
so the real CORS preflight of the live server is exercised: Playwright's request interception
(page.route) would answer preflights itself and hide a broken one, so it is not used.

Chromium is Debian's package at /usr/bin/chromium (scripts/ensure-browser.sh installs it); without
it the module is skipped locally and fails under CI.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.drain import events_buffer_drain
from ingest.models import DeviceType, Event, EventType
from tests.browser import CHROMIUM, CHROMIUM_ARGS, chromium_or_skip, chromium_required
from tests.factories import website_make

chromium_or_skip()

from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402

# HeadlessChrome in the user agent is (rightly) classified as a bot and answered 204.
DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
OUTBOUND_URL = "https://elsewhere.test/x"

HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>
<script>
  window.analytics = window.analytics || {q: [], track: function () { this.q.push(arguments) }};
  window.analytics.track("signup", {plan: "pro"});
</script>
<script defer data-id="%(website_id)s" src="%(tracker_url)s"></script>
</head>
<body style="margin:0">
  <button id="spa" onclick="history.pushState({}, '', '/second')">Second page</button>
  <a id="out" href="%(outbound_url)s" target="_blank">Elsewhere</a>
  <div style="height:6000px">a tall page</div>
</body></html>
"""

# Records every access to Web Storage and document.cookie by the page's scripts, before they run.
STORAGE_SPY = """(() => {
  const log = (window.__storageLog = {reads: [], writes: [], cookieWrites: []});
  const reading = new Set(["getItem", "key"]);
  const writing = new Set(["setItem", "removeItem", "clear"]);
  const method = (store, name, key) => (...args) => {
    (reading.has(key) ? log.reads : log.writes).push(`${name}.${key}(${args[0] ?? ""})`);
    return store[key](...args);
  };
  for (const name of ["localStorage", "sessionStorage"]) {
    const store = window[name];
    const spy = new Proxy(store, {
      get(target, key) {
        if (typeof key !== "string") return Reflect.get(target, key, target);
        if (reading.has(key) || writing.has(key)) return method(target, name, key);
        log.reads.push(`${name}.${key}`);
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
      set(target, key, value) {
        log.writes.push(`${name}.${String(key)}`);
        return Reflect.set(target, key, value, target);
      },
      deleteProperty(target, key) {
        log.writes.push(`${name}.${String(key)}`);
        return Reflect.deleteProperty(target, key);
      },
    });
    Object.defineProperty(window, name, {configurable: true, get: () => spy});
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  Object.defineProperty(document, "cookie", {
    configurable: true,
    get() { return cookie.get.call(this); },
    set(value) { log.cookieWrites.push(String(value)); cookie.set.call(this, value); },
  });
})();"""

HIDE_TAB = """() => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
  Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


class _HostPageHandler(BaseHTTPRequestHandler):
    """Serves the customer page at every path (the SPA's routes are all the same document)."""

    def do_GET(self) -> None:
        body = self.server.page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="module")
def host_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostPageHandler)
    server.daemon_threads = True
    server.page = ""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@contextmanager
def chromium_context(host_server: ThreadingHTTPServer) -> Iterator[BrowserContext]:
    """A fresh browser with a desktop user agent and the storage spy on every page.

    Not a fixture, and no database access while it is open: Playwright's sync API keeps an asyncio
    loop running in this thread, and Django refuses synchronous ORM calls inside a running loop.
    """
    chromium_required()
    port = host_server.server_address[1]
    # shop.test is the host page's server; elsewhere.test (the outbound link) resolves nowhere.
    rules = f"MAP shop.test 127.0.0.1:{port}, MAP elsewhere.test ~NOTFOUND"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules={rules}"],
        )
        try:
            context = browser.new_context(user_agent=DESKTOP_CHROME)
            context.add_init_script(STORAGE_SPY)
            yield context
        finally:
            browser.close()


@pytest.fixture
def collect_settings(settings):
    settings.TRAILMARK_COLLECT_RATE = "1000/10s"
    return settings


class CollectTraffic:
    """What the page sent to /api/v1/collect and what it logged, as the browser saw it."""

    def __init__(self, page: Page, collect_url: str):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on("request", lambda request: self._request(request, collect_url))
        page.on("response", lambda response: self._response(response, collect_url))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _request(self, request, collect_url: str) -> None:
        if request.url == collect_url and request.method == "POST":
            # A beacon's Blob body is not shown to Playwright: recorded as None.
            body = request.post_data
            self.requests.append(json.loads(body) if body else None)

    def _response(self, response, collect_url: str) -> None:
        if response.url == collect_url and response.request.method == "POST":
            self.statuses.append(response.status)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)


def wait_until(page: Page, condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Lets the browser's events arrive until `condition` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


def host_page(host_server, live_server, website) -> str:
    host_server.page = HOST_PAGE % {
        "website_id": website.id,
        "tracker_url": f"{live_server.url}/js/tracker.js",
        "outbound_url": OUTBOUND_URL,
    }
    return "http://shop.test/"


def test_tracker_records_a_visit(live_server, host_server, collect_settings):
    website = website_make(domain="shop.test")
    url = host_page(host_server, live_server, website)

    with chromium_context(host_server) as context:
        page = context.new_page()
        traffic = CollectTraffic(page, f"{live_server.url}/api/v1/collect")
        page.goto(url)
        page.wait_for_function("() => window.analytics && !('q' in window.analytics)")
        page.evaluate("() => window.analytics.track('signup', {plan: 'pro'})")
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        wait_until(page, lambda: len(traffic.requests) >= 6, "the scroll events")
        page.click("#spa")
        with page.expect_popup():
            page.click("#out")
        page.evaluate(HIDE_TAB)
        wait_until(page, lambda: len(traffic.statuses) >= 9, "9 answered collect requests")
        page.wait_for_timeout(300)  # room for an unexpected extra request to show up
        storage = page.evaluate(
            "() => ({log: structuredClone(window.__storageLog),"  # before our own reads below
            " local: localStorage.length, session: sessionStorage.length})"
        )
        cookies = context.cookies()

    assert traffic.page_errors == []
    assert traffic.console_errors == []  # a CORS refusal would be logged here
    assert traffic.statuses == [202] * 9
    assert cookies == []
    assert set(storage["log"]["reads"]) == {"localStorage.trailmark_ignore"}
    assert storage["log"]["writes"] == []
    assert storage["log"]["cookieWrites"] == []
    assert storage["local"] == storage["session"] == 0
    sizes = {(sent["screen_width"], sent["screen_height"]) for sent in traffic.requests if sent}
    assert sizes == {(1280, 720)}  # the viewport, Playwright's default

    assert events_buffer_drain() == 9
    events = list(Event.objects.filter(website=website).order_by("id"))
    by_type: dict[int, list[Event]] = {}
    for event in events:
        by_type.setdefault(event.event_type, []).append(event)

    assert sorted(event.path for event in by_type[EventType.PAGE_VIEW]) == ["/", "/second"]
    for scroll in (EventType.SCROLL_25, EventType.SCROLL_50, EventType.SCROLL_75):
        assert [event.path for event in by_type[scroll]] == ["/"]
    [outbound] = by_type[EventType.OUTBOUND_LINK]
    assert (outbound.path, outbound.properties) == ("/second", {"url": OUTBOUND_URL})
    assert [(event.event_name, event.properties) for event in by_type[EventType.CUSTOM]] == [
        ("signup", {"plan": "pro"}),
        ("signup", {"plan": "pro"}),
    ]
    [close] = by_type[EventType.CLOSE_TAB]
    assert close.path == "/second"
    assert len(events) == 9
    assert len({event.ip_hash for event in events}) == 1
    assert {(event.is_bot, event.device_type) for event in events} == {(False, DeviceType.DESKTOP)}
    # The SPA page view's referrer is the first page: internal traffic, not a source.
    assert {event.referrer_domain for event in events} == {None}


def test_opt_out_sends_nothing(live_server, host_server, collect_settings):
    website = website_make(domain="shop.test")
    url = host_page(host_server, live_server, website)

    with chromium_context(host_server) as context:
        context.add_init_script("localStorage.setItem('trailmark_ignore', 'true')")
        page = context.new_page()
        traffic = CollectTraffic(page, f"{live_server.url}/api/v1/collect")
        page.goto(url)
        page.wait_for_function("() => window.analytics && !('q' in window.analytics)")
        page.evaluate("() => window.analytics.track('signup', {plan: 'pro'})")
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        page.click("#spa")
        with page.expect_popup():
            page.click("#out")
        page.evaluate(HIDE_TAB)
        # The opt-out is read at every send: lifting it lets one last event through, and since
        # the browser issues requests in order, anything sent above would be seen before it.
        page.evaluate(
            "() => { localStorage.removeItem('trailmark_ignore');"
            " window.analytics.track('after_opt_in'); }"
        )
        wait_until(page, lambda: len(traffic.statuses) >= 1, "the request after opting back in")

    assert traffic.page_errors == []
    assert [request["event_name"] for request in traffic.requests] == ["after_opt_in"]
    assert traffic.statuses == [202]
    assert events_buffer_drain() == 1
    assert list(Event.objects.filter(website=website).values_list("event_name", flat=True)) == [
        "after_opt_in"
    ]
