from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.keys import api_key_digest, api_key_well_formed
from accounts.selectors import user_get_by_api_key
from accounts.services import user_api_key_restore
from analytics_site.api import throttling
from analytics_site.net import request_client_key


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates an `accounts.User` from the `X-API-KEY` header, within the API's limits.

    The limits are counted before the key is looked up (see analytics_site.api.throttling): a
    client over its invalid-key allowance, or a key over its rate, never reaches PostgreSQL.
    """

    def authenticate(self, request):
        api_key = request.headers.get("X-API-KEY")
        if not api_key:
            return None
        http_request = request._request  # where RateLimitHeadersMiddleware finds the usage
        client = request_client_key(http_request)
        throttling.auth_failures_check(http_request, client=client)
        user = None
        if api_key_well_formed(api_key):
            digest = api_key_digest(api_key)
            throttling.api_key_rate_check(http_request, digest=digest)
            user = user_get_by_api_key(api_key=api_key)
        if user is None:
            throttling.auth_failure_count(http_request, client=client)
            raise AuthenticationFailed("Invalid API key.")
        if user.api_key_digest != digest:
            # Found under an older secret: moved to the newest, as Django upgrades a password
            # hash on login, so that the old secret can be dropped once every key has been used.
            user_api_key_restore(user=user, api_key=api_key, stored_digest=user.api_key_digest)
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
