"""GET /js/tracker.js: the tracking script every customer page loads.

The readable source is static/tracker.js; it is minified with rjsmin and gzipped once per process
(the first request pays a few milliseconds), then served from memory. Public: no authentication,
no rate limit, cached by browsers and CDNs for a day. A weak ETag lets a revalidation cost a 304.
"""

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rjsmin
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import condition, require_safe

TRACKER_SOURCE = Path(__file__).resolve().parent.parent / "static" / "tracker.js"
CACHE_CONTROL = "public, max-age=86400"


@dataclass(frozen=True)
class TrackerScript:
    source: bytes
    minified: bytes
    gzipped: bytes
    etag: str


@cache
def tracker_script() -> TrackerScript:
    source = TRACKER_SOURCE.read_bytes()
    minified = rjsmin.jsmin(source)
    return TrackerScript(
        source=source,
        minified=minified,
        # mtime=0 keeps the bytes (and so caches downstream) identical across processes.
        gzipped=gzip.compress(minified, compresslevel=9, mtime=0),
        # Weak: the gzipped and identity bodies are the same script.
        etag=f'W/"{hashlib.sha256(minified).hexdigest()[:20]}"',
    )


@require_safe
@condition(etag_func=lambda request: tracker_script().etag)
def tracker_js(request: HttpRequest) -> HttpResponse:
    script = tracker_script()
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(script.gzipped, content_type="application/javascript")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(script.minified, content_type="application/javascript")
    response["Cache-Control"] = CACHE_CONTROL
    # Public and the same for everyone: loadable by pages that isolate themselves (COEP) and by
    # tags with crossorigin/integrity (Subresource Integrity needs a CORS-enabled response).
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
