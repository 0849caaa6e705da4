import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg.errors import InvalidRegularExpression

from analytics_site.api.exceptions import database_error
from sharing.models import TOKEN_BYTES, SharedLink
from stats.errors import QueryError
from stats.filters import PATTERN_OPERATORS, Filter, filter_as_json, filter_leaves, filters_parse
from websites.models import Website


def shared_link_create(
    *,
    website: Website,
    label: str = "",
    password: str | None = None,
    filters: list | None = None,
) -> SharedLink:
    """A new read-only link to the website's dashboard. `filters` (the query API's JSON) are
    checked by the query engine's parser and stored normalised; a refusal is a ValidationError
    on `filters`."""
    try:
        parsed = filters_parse(filters or [])
    except QueryError as error:
        raise ValidationError({"filters": str(error)}) from None
    _patterns_check(parsed)
    return SharedLink.objects.create(
        website=website,
        token=secrets.token_urlsafe(TOKEN_BYTES),
        label=label,
        password=make_password(password) if password else "",
        filters=[filter_as_json(node) for node in parsed],
    )


def _patterns_check(filters: tuple[Filter, ...]) -> None:
    """PostgreSQL judges regular expressions (`matches`), as it does for the query API: a link
    must not lock in one that would make every figure of its page fail."""
    patterns = [
        value
        for node in filters
        for leaf in filter_leaves(node)
        if leaf.op in PATTERN_OPERATORS
        for value in leaf.values
        if value is not None
    ]
    if not patterns:
        return
    try:
        # Row by row: `'' ~ ANY(...)` would stop compiling patterns at the first match.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT '' ~ pattern FROM unnest(%s::text[]) AS pattern", [patterns])
    except DatabaseError as error:
        regex = database_error(error, InvalidRegularExpression)
        if regex is None:
            raise
        message = f"invalid regular expression ({regex.diag.message_primary})"
        raise ValidationError({"filters": message}) from None


def shared_link_revoke(*, shared_link: SharedLink) -> None:
    """The link stops working at once (its page answers 404); it leaves the owner's list."""
    if shared_link.revoked_at is None:
        shared_link.revoked_at = timezone.now()
        shared_link.save(update_fields=["revoked_at"])


def shared_link_password_check(*, shared_link: SharedLink, password: str) -> bool:
    """True when `password` opens the link (an outdated hash is upgraded and saved)."""

    def upgrade(raw: str) -> None:
        shared_link.password = make_password(raw)
        shared_link.save(update_fields=["password"])

    return shared_link.has_password and check_password(password, shared_link.password, upgrade)
