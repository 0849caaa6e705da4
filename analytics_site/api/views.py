"""Envelope answers for requests that never reach a DRF view."""

from django.http import HttpRequest, JsonResponse

from analytics_site.api.envelope import error_response


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response("NOT_FOUND", f"No route for {request.path}.", status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response("INTERNAL_ERROR", "An unexpected error occurred.", status=500)
