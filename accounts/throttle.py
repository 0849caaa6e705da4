"""Sign-in attempts and reset emails, limited per client and per email (TRAILMARK_LOGIN_RATE).

Counted in Redis by analytics_site.ratelimit, which lets requests through (logged) while Redis is
unreachable, as the admin's sign-in throttle does: passwords are still checked, slowly hashed.
Counters are named by keyed hashes, never by a client's address or an email in the clear.

Only failed sign-ins count: a client or an email that used up its allowance is refused (429)
until its window ends, even with the right password, so guessing stops there. The per-email
limit means someone failing on purpose can keep that email out for a window: the price of
stopping a guesser who spreads over many clients.
"""

import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from analytics_site.net import request_client_key
from analytics_site.ratelimit import rate_limit_hit, rate_limit_peek

logger = logging.getLogger(__name__)

_SIGN_IN_FAILURES = "sign-in-failures"
_PASSWORD_RESETS = "password-resets"


def sign_in_wait(request: HttpRequest, *, email: str) -> int | None:
    """Seconds until this client may try to sign in as `email` again, or None: it may now."""
    waits = [
        usage.reset_seconds
        for usage in (
            rate_limit_peek(request, group=_SIGN_IN_FAILURES, key=key, rate=_rate())
            for key in _keys(request, email)
        )
        if usage is not None and usage.remaining == 0
    ]
    if not waits:
        return None
    logger.warning("Sign-in refused: too many failed attempts (client or email)")
    return max(waits)


def sign_in_failure_count(request: HttpRequest, *, email: str) -> None:
    for key in _keys(request, email):
        rate_limit_hit(request, group=_SIGN_IN_FAILURES, key=key, rate=_rate())


def password_reset_count(request: HttpRequest, *, email: str) -> tuple[int | None, bool]:
    """Counts a reset request. Returns the seconds until this client may ask again (None: it
    may now), and whether an email may go to `email` (nobody floods a mailbox through the form).
    """
    client, address = (
        rate_limit_hit(request, group=_PASSWORD_RESETS, key=key, rate=_rate())
        for key in _keys(request, email)
    )
    client_wait = client.reset_seconds if client is not None and client.exceeded else None
    return client_wait, address is None or not address.exceeded


def _keys(request: HttpRequest, email: str) -> tuple[str, str]:
    email_key = salted_hmac("accounts.throttle.email", email.lower()).hexdigest()
    return f"client:{request_client_key(request)}", f"email:{email_key}"


def _rate() -> str:
    return settings.TRAILMARK_LOGIN_RATE
