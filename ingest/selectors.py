"""Reads on the ingest path: a website's collect settings, cached per process."""

import time
import uuid
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network

from ingest.enrichment import excluded_networks
from websites.models import Website

# Collect hits look their website up on every request; settings changes (domain, excluded IPs,
# content groups) reach the collect path within this many seconds.
SITE_CACHE_SECONDS = 30
_SITE_CACHE_MAX_ENTRIES = 50_000


@dataclass(frozen=True, slots=True)
class SiteConfig:
    id: uuid.UUID
    domain: str
    timezone: str  # its days, and so its visitors' daily salts, are dates in this zone
    content_groups: tuple[dict, ...]
    excluded_networks: tuple[IPv4Network | IPv6Network, ...]


_site_cache: dict[uuid.UUID, tuple[float, SiteConfig | None]] = {}


def site_config_get(*, website_id: uuid.UUID) -> SiteConfig | None:
    """The website's collect settings, or None when no such website exists (also cached)."""
    now = time.monotonic()
    cached = _site_cache.get(website_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    website = (
        Website.objects.filter(pk=website_id)
        .only("id", "domain", "timezone", "content_groups", "excluded_ips")
        .first()
    )
    config = None
    if website is not None:
        config = SiteConfig(
            id=website.id,
            domain=website.domain,
            timezone=website.timezone,
            content_groups=tuple(website.content_groups),
            excluded_networks=excluded_networks(website.excluded_ips),
        )
    if len(_site_cache) >= _SITE_CACHE_MAX_ENTRIES:
        # Unknown ids are cached too, so a flood of random ids must not grow this without bound.
        _site_cache.clear()
    _site_cache[website_id] = (now + SITE_CACHE_SECONDS, config)
    return config


def site_config_cache_clear() -> None:
    _site_cache.clear()
