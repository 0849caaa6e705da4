"""Envelope answers for requests that never reach a DRF view."""

from django.http import HttpRequest, JsonResponse

from analytics_site.api.envelope import error_response


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response("NOT_FOUND", f"No route for {request.path}.", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    # Django answers this for requests it refuses before any view, e.g. a disallowed Host header.
    return error_response("INVALID_PAYLOAD", "Bad request.", status=400)


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response("INTERNAL_ERROR", "An unexpected error occurred.", status=500)
