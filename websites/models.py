import uuid

from django.db import models
from django.utils import timezone

from accounts.models import Account, User
from websites.validators import (
    normalize_domain,
    validate_content_groups,
    validate_domain,
    validate_excluded_ips,
)


class WebsiteQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "WebsiteQuerySet":
        return self if user.is_admin else self.filter(account_id=user.account_id)


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
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = WebsiteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "domain"], name="website_domain_unique_per_account"
            )
        ]

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        self.domain = normalize_domain(self.domain)
