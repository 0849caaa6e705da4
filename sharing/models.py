import re
import uuid

from django.db import models
from django.utils import timezone

from websites.models import Website

TOKEN_BYTES = 32  # secrets.token_urlsafe: 256 random bits as 43 URL-safe characters
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


class SharedLinkQuerySet(models.QuerySet):
    def active(self) -> "SharedLinkQuerySet":
        return self.filter(revoked_at__isnull=True)


class SharedLink(models.Model):
    """A read-only link to one website's dashboard, opened without signing in (`/share/<token>/`).

    The token is the link's only credential besides the optional password: unguessable, shown to
    the owner, who can revoke it. `filters` (the query engine's JSON) are applied to every figure
    the link shows; visitors may add filters, never remove these.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    website = models.ForeignKey(
        Website,
        on_delete=models.DO_NOTHING,  # cascaded by PostgreSQL: see analytics_site.db
        db_constraint=False,
        related_name="shared_links",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True)
    # Django's password hash (`make_password`); empty: no password asked.
    password = models.CharField(max_length=128, blank=True, editable=False)
    filters = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SharedLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label or f"Shared link {self.token[:6]}…"

    @property
    def has_password(self) -> bool:
        return bool(self.password)
