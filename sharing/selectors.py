from django.db.models import QuerySet

from sharing.models import TOKEN_SHAPE, SharedLink
from stats.filters import Filter, filters_parse
from websites.models import Website


def shared_link_list(*, website: Website) -> QuerySet[SharedLink]:
    """The website's links that still work, newest first."""
    return SharedLink.objects.active().filter(website=website).order_by("-created_at")


def shared_link_by_token(*, token: str) -> SharedLink | None:
    """The working link of this token, with its website; None when unknown, revoked, or its
    website deleted."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None  # not one we made: nothing to look up
    return (
        SharedLink.objects.active()
        .filter(token=token, website__deleted_at__isnull=True)
        .select_related("website")
        .first()
    )


def shared_link_locked_filters(*, shared_link: SharedLink) -> tuple[Filter, ...]:
    """The filters every figure of the link is filtered by (checked when the link was made)."""
    return filters_parse(shared_link.filters)
