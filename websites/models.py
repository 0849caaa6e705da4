import uuid

from django.db import models
from django.utils.timezone import now

from accounts.models import Account, User
from websites.validators import (
    normalize_domain,
    validate_content_groups,
    validate_domain,
    validate_excluded_ips,
    validate_timezone,
)


class WebsiteQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "WebsiteQuerySet":
        return self if user.is_admin else self.filter(account_id=user.account_id)

    def deleted(self) -> "WebsiteQuerySet":
        return self.filter(deleted_at__isnull=False)


class LiveWebsiteManager(models.Manager.from_queryset(WebsiteQuerySet)):
    """The default manager: a deleted website (awaiting its purge) is not there for anyone."""

    def get_queryset(self) -> WebsiteQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Website(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        Account,
        on_delete=models.DO_NOTHING,  # cascaded by PostgreSQL: see analytics_site.db
        db_constraint=False,
        related_name="websites",
    )
    domain = models.CharField(max_length=255, validators=[validate_domain])
    # [{"name": "Blog", "pattern": "/blog/*"}, ...]: the first matching pattern names the group.
    content_groups = models.JSONField(
        default=list, blank=True, validators=[validate_content_groups]
    )
    # IPv4/IPv6 addresses and CIDR ranges whose traffic is stored flagged and never counted.
    excluded_ips = models.JSONField(default=list, blank=True, validators=[validate_excluded_ips])
    # Every day of the website is a day in this zone (IANA name): periods, sessions, rollups.
    timezone = models.CharField(
        max_length=64, default="UTC", db_default="UTC", blank=True, validators=[validate_timezone]
    )
    created_at = models.DateTimeField(default=now, editable=False)
    # Set by `website_delete`: the website is gone for every reader at once, and its rows are
    # purged in the background (`website_purge`), which finally deletes this row.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LiveWebsiteManager()
    # Deleted websites too: for the purge only.
    all_objects = WebsiteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        base_manager_name = "all_objects"
        constraints = [
            # A deleted website awaiting its purge must not keep its domain from being re-added.
            models.UniqueConstraint(
                fields=["account", "domain"],
                condition=models.Q(deleted_at__isnull=True),
                name="website_domain_unique_per_account",
            )
        ]

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        self.domain = normalize_domain(self.domain)
        self.timezone = self.timezone or "UTC"  # a form left blank

    def validate_constraints(self, exclude=None) -> None:
        # Forms never edit deleted_at, yet it decides whether the domain must be unique: without
        # it, Django would skip that constraint and the admin would answer a 500 on a duplicate.
        super().validate_constraints(exclude=set(exclude or ()) - {"deleted_at"})
