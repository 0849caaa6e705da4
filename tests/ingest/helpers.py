import json

from rest_framework.test import APIClient

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def event_body(website, **overrides) -> dict:
    body = {
        "website_id": str(website.id),
        "event_type": "page_view",
        "url": "https://example.com/blog/post-1?utm_source=twitter&utm_campaign=launch",
        "path": "/blog/post-1",
        "referrer": "https://t.co/abc123",
        "screen_width": 1920,
        "screen_height": 1080,
    }
    body.update(overrides)
    return body


def post_event(body, *, ip="203.0.113.7", user_agent=CHROME, origin="https://example.com"):
    return APIClient().post(
        "/api/v1/collect",
        data=json.dumps(body),
        content_type="application/json",
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=user_agent,
        HTTP_ORIGIN=origin,
    )
