from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.selectors import user_get_by_api_key


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates an `accounts.User` from the `X-API-KEY` header."""

    def authenticate(self, request):
        api_key = request.headers.get("X-API-KEY")
        if not api_key:
            return None
        user = user_get_by_api_key(api_key=api_key)
        if user is None:
            raise AuthenticationFailed("Invalid API key.")
        return user, None

    def authenticate_header(self, request) -> str:
        # Its presence makes DRF answer 401 (not 403) to requests without a valid key.
        return 'ApiKey header="X-API-KEY"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents ApiKeyAuthentication in the OpenAPI schema (/api/schema/)."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-KEY"}
