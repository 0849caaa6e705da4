"""Every API error becomes `{"status": "error", "error": {"code", "message"}}`."""

import logging
import math
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from psycopg.errors import InvalidRegularExpression, QueryCanceled
from rest_framework import exceptions
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import set_rollback

from analytics_site.api.envelope import error_body

logger = logging.getLogger(__name__)

ERROR_CODES = {
    400: "INVALID_PAYLOAD",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class InvalidPayload(exceptions.APIException):
    status_code = 400
    default_detail = "Invalid payload."


class QueryTimeout(exceptions.APIException):
    status_code = 503
    default_detail = (
        "The query took too long and was cancelled (TRAILMARK_STATEMENT_TIMEOUT_MS): "
        "try a shorter period or retry later."
    )


def database_error(exc: Exception, kind: type[Exception]) -> Exception | None:
    """psycopg's error of that kind, raised as is or wrapped: Django wraps psycopg's errors
    only around `execute`."""
    for error in (exc, exc.__cause__):
        if isinstance(error, kind):
            return error
    return None


def envelope_exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # Services enforce business rules with Django's ValidationError, so they stay
        # usable from the admin and management commands as well as the API.
        exc = exceptions.ValidationError(get_error_detail(exc))
    elif database_error(exc, QueryCanceled):
        exc = QueryTimeout()
    elif regex := database_error(exc, InvalidRegularExpression):
        # Only a client's filter holds a regular expression (`matches`): PostgreSQL is the judge.
        exc = InvalidPayload(f"filters: invalid regular expression ({regex.diag.message_primary}).")
    elif isinstance(exc, SuspiciousOperation):
        # Django answers these 400 outside DRF too: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        # (refused on its Content-Length, unread), a query string of thousands of parameters.
        exc = InvalidPayload(_suspicious_message(exc))

    if not isinstance(exc, exceptions.APIException):
        # Logged with its stack trace and the request id; the client sees neither the trace nor
        # the exception text, only the id (in X-Request-ID) to quote to an operator.
        logger.error("Unhandled API error", exc_info=exc)
        set_rollback()
        return Response(error_body("INTERNAL_ERROR", "An unexpected error occurred."), status=500)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    code = ERROR_CODES.get(
        exc.status_code, "INVALID_PAYLOAD" if exc.status_code < 500 else "INTERNAL_ERROR"
    )
    set_rollback()
    return Response(error_body(code, error_message(exc)), status=exc.status_code, headers=headers)


def _suspicious_message(exc: SuspiciousOperation) -> str:
    if isinstance(exc, RequestDataTooBig):
        return f"body: larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KB."
    if isinstance(exc, TooManyFieldsSent):
        return f"query: more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} parameters."
    return "Bad request."


def error_message(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.Throttled):
        return "Rate limit exceeded. Retry later."
    if isinstance(exc, exceptions.NotAuthenticated):
        return "Missing X-API-KEY header."
    if isinstance(exc, exceptions.ParseError):
        return "Malformed JSON in request body."
    return "; ".join(_flatten(exc.detail)) or str(exc.default_detail)


def _flatten(detail, field: str = "") -> Iterator[str]:
    """Turns DRF's nested error details into `field: message` strings naming each field."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            yield from _flatten(value, f"{field}.{name}" if field and name else field or name)
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, field)
    else:
        yield f"{field}: {detail}" if field else str(detail)
