"""POST/OPTIONS /api/v1/collect: the public, unauthenticated hot path.

A plain Django view rather than DRF: it runs for every page view of every customer site, and
needs none of DRF's negotiation, authentication or serializers (see ingest.payload).
"""

import logging

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from analytics_site.api.envelope import error_response
from analytics_site.net import client_ip
from analytics_site.ratelimit import RateLimitUsage
from ingest.payload import MAX_BODY_BYTES, InvalidEvent, body_parse, payload_validate
from ingest.services import CollectOutcome, collect_request_count, event_collect

_ACCEPTED = b'{"status":"accepted"}'
_RETRY_UNAVAILABLE_SECONDS = 5

logger = logging.getLogger(__name__)


@csrf_exempt
def collect(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Max-Age"] = "86400"
    elif request.method != "POST":
        response = error_response("METHOD_NOT_ALLOWED", "Use POST.", status=405)
        response["Allow"] = "POST, OPTIONS"
    else:
        response = _collect_event(request)
    return _with_cors(request, response)


def _collect_event(request: HttpRequest) -> HttpResponse:
    try:
        return _collect_valid_event(request)
    except redis.RedisError as error:
        # Nothing was buffered: the tracker may send the event again. One line, not a trace per
        # request, for the length of an outage.
        logger.warning("Collect: event buffer unavailable (%s)", error)
        return _unavailable("The event buffer is unavailable. Retry later.")


def _collect_valid_event(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request)
    rate = settings.TRAILMARK_COLLECT_RATE
    try:
        payload = payload_validate(body_parse(_body(request)))
        # Refuses (before counting or buffering) a row whose derived values could not be stored.
        outcome, usage = event_collect(
            payload=payload, ip=ip, user_agent=request.META.get("HTTP_USER_AGENT", ""), rate=rate
        )
    except InvalidEvent as invalid:
        # Counted too: a flood of garbage is limited like any other.
        usage = collect_request_count(ip=ip, rate=rate)
        if usage.exceeded:
            return _rate_limited(usage)
        return error_response("INVALID_PAYLOAD", str(invalid), status=400)
    if usage.exceeded:
        return _rate_limited(usage)
    if outcome is CollectOutcome.ACCEPTED:
        return HttpResponse(_ACCEPTED, content_type="application/json", status=202)
    if outcome is CollectOutcome.BUFFER_FULL:
        return _unavailable("Too many events are waiting to be stored. Retry later.")
    return HttpResponse(status=204)


def _unavailable(message: str) -> HttpResponse:
    response = error_response("SERVICE_UNAVAILABLE", message, status=503)
    response["Retry-After"] = str(_RETRY_UNAVAILABLE_SECONDS)
    return response


def _rate_limited(usage: RateLimitUsage) -> HttpResponse:
    response = error_response("RATE_LIMITED", "Rate limit exceeded. Retry later.", status=429)
    response["Retry-After"] = str(usage.reset_seconds)
    return response


def _body(request: HttpRequest) -> bytes:
    """The body, refused unread when it declares more than the limit."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    try:
        if declared > MAX_BODY_BYTES:
            raise RequestDataTooBig
        return request.body
    except RequestDataTooBig:
        raise InvalidEvent(f"body: request body exceeds {MAX_BODY_BYTES // 1024} KB.") from None


def _with_cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # Credentials are allowed, so the origin is echoed, never "*".
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Vary"] = "Origin"
    return response
