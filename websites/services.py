from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Account
from websites.models import Website
from websites.validators import normalize_domain


def website_create(
    *,
    account: Account,
    domain: str,
    content_groups: list[dict] | None = None,
    excluded_ips: list[str] | None = None,
) -> Website:
    website = Website(
        account=account,
        domain=normalize_domain(domain),
        content_groups=content_groups or [],
        excluded_ips=[address.strip() for address in excluded_ips or []],
    )
    _save(website)
    return website


def website_update(*, website: Website, **changes) -> Website:
    """Applies the given settings (`domain`, `content_groups`, `excluded_ips`) and saves them."""
    if "domain" in changes:
        changes["domain"] = normalize_domain(changes["domain"])
    if "excluded_ips" in changes:
        changes["excluded_ips"] = [address.strip() for address in changes["excluded_ips"]]
    for field, value in changes.items():
        setattr(website, field, value)
    _save(website, update_fields=list(changes))
    return website


def website_delete(*, website: Website) -> None:
    """Deletes the website; PostgreSQL cascades to its events and rollups."""
    Website.objects.filter(pk=website.pk).delete()


def _save(website: Website, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            website.save(update_fields=update_fields)
    except IntegrityError as error:
        if getattr(error.__cause__, "diag", None) and error.__cause__.diag.constraint_name == (
            "website_domain_unique_per_account"
        ):
            raise ValidationError(
                {"domain": f"{website.domain} is already registered in this account."}
            ) from error
        raise
