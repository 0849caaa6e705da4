"""Validation of a website's settings, shared by the model (admin forms) and the API."""

import ipaddress
import re
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

from analytics_site.text import UNSTORABLE_CHARACTERS

# Letters, digits, hyphens and dots, in DNS labels of at most 63 characters.
_DOMAIN = re.compile(
    r"^(?=.{1,255}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
MAX_CONTENT_GROUPS = 100
MAX_CONTENT_GROUP_NAME = 100  # the width of the events' content_group column
MAX_EXCLUDED_IPS = 1000


@cache
def timezone_names() -> frozenset[str]:
    """The IANA time zone names a website may use (those of the system's tz database, which
    PostgreSQL on the same machine reads too)."""
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def validate_timezone(name: str) -> None:
    if not isinstance(name, str) or name not in timezone_names():
        raise ValidationError(
            f"Unknown time zone {name!r}: give an IANA name such as 'Europe/Berlin' or 'UTC'."
        )


def normalize_domain(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def validate_domain(domain: str) -> None:
    if not _DOMAIN.match(normalize_domain(domain)):
        raise ValidationError(
            "Enter a domain name: letters, digits, hyphens and dots only, at most 255 characters "
            "(e.g. example.com)."
        )


def validate_content_groups(groups: object) -> None:
    if not isinstance(groups, list):
        raise ValidationError("Must be a list of {name, pattern} objects.")
    if len(groups) > MAX_CONTENT_GROUPS:
        raise ValidationError(f"At most {MAX_CONTENT_GROUPS} content groups.")
    names = set()
    for index, group in enumerate(groups):
        if not isinstance(group, dict) or set(group) != {"name", "pattern"}:
            raise ValidationError(
                f"Item {index} must be an object with exactly `name` and `pattern`."
            )
        name, pattern = group["name"], group["pattern"]
        # Stored exactly as given, so the length checked is the stored one: a name padded with
        # spaces would not fit the events' content_group column (100).
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_CONTENT_GROUP_NAME:
            raise ValidationError(
                f"Item {index}: `name` must be a string of 1 to {MAX_CONTENT_GROUP_NAME} "
                "characters."
            )
        if name != name.strip():
            raise ValidationError(f"Item {index}: `name` must not start or end with whitespace.")
        if not isinstance(pattern, str) or not pattern.startswith("/") or len(pattern) > 255:
            raise ValidationError(
                f"Item {index}: `pattern` must be a path glob starting with '/' (e.g. /blog/*), "
                "at most 255 characters."
            )
        for field, value in (("name", name), ("pattern", pattern)):
            if UNSTORABLE_CHARACTERS.search(value):
                raise ValidationError(
                    f"Item {index}: `{field}` must not contain control characters or invalid "
                    "Unicode."
                )
        if name in names:
            raise ValidationError(f"Item {index}: duplicate content group name {name!r}.")
        names.add(name)


def validate_excluded_ips(addresses: object) -> None:
    if not isinstance(addresses, list):
        raise ValidationError("Must be a list of IP addresses or CIDR ranges.")
    if len(addresses) > MAX_EXCLUDED_IPS:
        raise ValidationError(f"At most {MAX_EXCLUDED_IPS} excluded addresses.")
    for index, address in enumerate(addresses):
        if not isinstance(address, str):
            raise ValidationError(f"Item {index} must be a string.")
        try:
            ipaddress.ip_network(address.strip(), strict=False)
        except ValueError:
            raise ValidationError(
                f"Item {index}: {address!r} is not an IPv4/IPv6 address or CIDR range."
            ) from None
