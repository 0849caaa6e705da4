"""The WSGI application gunicorn serves: Django's handler, with request charsets checked.

Django takes a Content-Type's `charset` as the request's encoding and decodes the query string
with it while it builds the request, before any middleware or URL resolution. A codec that is not
a text encoding (`base64`, `rot13`, `zlib_codec`) or cannot decode ASCII (`undefined`) raises
there, and the server answers its own HTML 500 on every route; an unknown one is silently
ignored. This handler answers both with the envelope's 400 instead.
"""

import os
from functools import lru_cache

import django
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpResponse
from django.utils.http import parse_header_parameters

from analytics_site.api.envelope import error_response

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analytics_site.settings.prod")

# Every byte a URL's query string may hold, after an `xn--` that idna would read as punycode.
_ASCII_PROBE = b"xn--" + bytes(range(128))


@lru_cache(maxsize=64)
def charset_usable(charset: str) -> bool:
    """Whether `charset` is a text encoding that reads any ASCII as ASCII, as query strings need."""
    try:
        return _ASCII_PROBE.decode(charset) == _ASCII_PROBE.decode("ascii")
    except (LookupError, UnicodeError):
        return False


class CharsetCheckedRequest(WSGIRequest):
    """A request that takes its declared charset only when usable; `refused_charset` if not."""

    refused_charset: str | None = None

    def _set_content_type_params(self, meta: dict) -> None:
        # Django's own method, with charset_usable() in place of a bare codec look-up.
        self.content_type, self.content_params = parse_header_parameters(
            meta.get("CONTENT_TYPE", "")
        )
        charset = self.content_params.get("charset")
        if charset is None:
            return
        if charset_usable(charset):
            self.encoding = charset
        else:
            self.refused_charset = charset


class TrailmarkWSGIHandler(WSGIHandler):
    request_class = CharsetCheckedRequest

    def get_response(self, request: CharsetCheckedRequest) -> HttpResponse:
        if request.refused_charset is not None:
            return error_response(
                "INVALID_PAYLOAD",
                f"Content-Type: charset {request.refused_charset[:40]!r} is not a usable text "
                "encoding (use utf-8).",
                status=400,
            )
        return super().get_response(request)


django.setup(set_prefix=False)
application = TrailmarkWSGIHandler()
