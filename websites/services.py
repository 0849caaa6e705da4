import logging
import uuid
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import sql
from redis import RedisError

from accounts.models import Account
from analytics_site.redis_keys import deleted_websites_key, redis_client
from websites.models import Website
from websites.validators import normalize_domain

logger = logging.getLogger(__name__)

# A purge batch waits at most this long for a row or table lock; then it gives up (the task is
# retried later) rather than queue ahead of the drainer's inserts.
PURGE_LOCK_TIMEOUT = "2s"


def website_create(
    *,
    account: Account,
    domain: str,
    content_groups: list[dict] | None = None,
    excluded_ips: list[str] | None = None,
    timezone: str = "UTC",
) -> Website:
    website = Website(
        account=account,
        domain=normalize_domain(domain),
        content_groups=content_groups or [],
        excluded_ips=[address.strip() for address in excluded_ips or []],
        timezone=timezone,
    )
    _save(website)
    return website


def website_update(*, website: Website, **changes) -> Website:
    """Applies the given settings (`domain`, `content_groups`, `excluded_ips`, `timezone`) and
    saves them. A new time zone realigns the website's days (`website_timezone_changed`)."""
    realign = "timezone" in changes and changes["timezone"] != website.timezone
    if "domain" in changes:
        changes["domain"] = normalize_domain(changes["domain"])
    if "excluded_ips" in changes:
        changes["excluded_ips"] = [address.strip() for address in changes["excluded_ips"]]
    for field, value in changes.items():
        setattr(website, field, value)
    with transaction.atomic():
        _save(website, update_fields=list(changes))
        if realign:
            website_timezone_changed(website=website)
    return website


def website_timezone_changed(*, website: Website) -> None:
    """Once the change is committed, has the days still held as raw events re-aggregated at
    the new midnights, in the background. Reports read those days from the raw events until
    then; days older than the raw events keep the rollups of their previous zone.

    Queued by name: the rollups are the aggregation app's, which builds on this one.
    """
    transaction.on_commit(
        lambda: current_app.send_task(
            "aggregation.tasks.website_days_realign", args=[str(website.pk)]
        )
    )


def website_delete(*, website: Website) -> None:
    """Deletes the website at once for every reader; its rows are purged in the background."""
    websites_delete(website_ids=[website.pk])


def websites_delete(*, website_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Marks the websites deleted (one UPDATE) and, on commit, stops collect for them and queues
    their purges. Returns the ids marked (those not already deleted).

    The default manager hides them from then on: lists, reads, reports, the admin, aggregation,
    collect's site lookup and the drainer. Collect's per-process cache would still accept their
    events for up to 30 s, so their ids also go into a Redis set that collect checks first.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # Not a key update: the drainer's foreign-key checks (FOR KEY SHARE) do not wait on it.
        cursor.execute(
            "UPDATE websites_website SET deleted_at = %s "
            "WHERE id = ANY(%s) AND deleted_at IS NULL RETURNING id",
            [timezone.now(), list(website_ids)],
        )
        deleted = [website_id for (website_id,) in cursor.fetchall()]
        if deleted:
            # robust: the deletion stands even if Redis is down; the beat sweep
            # (`website_purges_resume`) repeats both steps.
            transaction.on_commit(lambda: _stop_and_purge(deleted), robust=True)
    return deleted


def _stop_and_purge(website_ids: list[uuid.UUID]) -> None:
    from websites.tasks import website_purge  # the tasks module imports this one

    deleted_websites_add(website_ids=website_ids)
    for website_id in website_ids:
        website_purge.delay(str(website_id))


def deleted_websites_add(*, website_ids: Iterable[uuid.UUID]) -> None:
    """Adds ids to the Redis set of deleted websites that collect answers 204 for."""
    ids = [str(website_id) for website_id in website_ids]
    if ids:
        redis_client().sadd(deleted_websites_key(), *ids)


def website_purge(*, website_id: uuid.UUID) -> uuid.UUID | None:
    """Deletes every row of a deleted website, in short batches, then the website itself.

    Idempotent and resumable: each batch commits on its own, so a purge that dies is simply run
    again (the beat sweep does), and a purge of a website already gone does nothing. Returns the
    purged website's account id, or None when there was nothing to purge (or the website is not
    deleted: a live website is never purged).

    The tables are those of every model with a foreign key to Website, found from the models
    (this app imports none of them). Partitioned tables are purged partition by partition: ctid
    only identifies a row within one partition. Each batch selects its rows through the
    partition's index leading with website_id and locks only those rows, which no other writer
    touches: the drainer's inserts for other websites never wait on a purge.
    """
    website = Website.all_objects.filter(pk=website_id, deleted_at__isnull=False).first()
    if website is None:
        _deleted_websites_forget(website_id)
        return None
    for table, column in _referencing_columns():
        for leaf in _leaf_tables(table):
            _rows_delete_in_batches(leaf, column, website_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [PURGE_LOCK_TIMEOUT])
        # Rows stored since their table was purged (a drainer batch that read the website before
        # its deletion) are few: PostgreSQL's cascade takes them with the row.
        cursor.execute(
            "DELETE FROM websites_website WHERE id = %s AND deleted_at IS NOT NULL", [website_id]
        )
    _deleted_websites_forget(website_id)
    logger.info("Purged deleted website %s", website_id)
    return website.account_id


def _deleted_websites_forget(website_id: uuid.UUID) -> None:
    try:
        redis_client().srem(deleted_websites_key(), str(website_id))
    except RedisError:
        # Harmless: an id in the set only makes collect drop events of a website that is gone.
        logger.warning("Could not remove purged website %s from the deleted set", website_id)


def _referencing_columns() -> list[tuple[str, str]]:
    """(table, column) of every foreign key to Website, in a stable order."""
    return sorted(
        {
            (relation.related_model._meta.db_table, relation.field.column)
            for relation in Website._meta.get_fields(include_hidden=True)
            if relation.auto_created and not relation.concrete and relation.one_to_many
        }
    )


def _leaf_tables(table: str) -> list[str]:
    """The partitions holding a partitioned table's rows, or the table itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_partition_tree(%s::regclass) AS tree "
            "JOIN pg_class ON pg_class.oid = tree.relid WHERE isleaf ORDER BY 1",
            [table],
        )
        return [name for (name,) in cursor.fetchall()] or [table]


def _rows_delete_in_batches(table: str, column: str, website_id: uuid.UUID) -> None:
    statement = sql.SQL(
        "DELETE FROM {table} WHERE ctid = ANY(ARRAY("
        "SELECT ctid FROM {table} WHERE {column} = %s LIMIT %s))"
    ).format(table=sql.Identifier(table), column=sql.Identifier(column))
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # An ordered walk of the website's index entries: a sequential or bitmap scan would
            # re-read the heap pages of the batches already deleted, every batch.
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('enable_seqscan', 'off', true), "
                "set_config('enable_bitmapscan', 'off', true)",
                [PURGE_LOCK_TIMEOUT],
            )
            cursor.execute(statement, [website_id, settings.TRAILMARK_PURGE_BATCH_ROWS])
            if cursor.rowcount < settings.TRAILMARK_PURGE_BATCH_ROWS:
                return


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
