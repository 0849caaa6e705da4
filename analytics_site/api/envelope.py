"""The TinyTrail response envelope, for responses built outside DRF's renderers."""

from django.http import JsonResponse


def error_body(code: str, message: str) -> dict:
    return {"status": "error", "error": {"code": code, "message": message}}


def error_response(code: str, message: str, *, status: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)
