"""Where a request comes from, as far as we can trust it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's IP address.

    With no trusted proxy it is REMOTE_ADDR. Behind N proxies it is the Nth address from the right
    of X-Forwarded-For: each proxy appends the address it received the request from, so addresses
    left of that one were written by the client and are never trusted.
    """
    num_proxies = settings.TRAILMARK_NUM_PROXIES
    remote_addr = request.META.get("REMOTE_ADDR", "")
    if num_proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= num_proxies:
            candidate = forwarded[-num_proxies]
            if _is_ip(candidate):
                return candidate
    return remote_addr


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
