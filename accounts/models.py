import uuid

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    USER = "user", "User"


class AccountQuerySet(models.QuerySet):
    def for_user(self, user: "User") -> "AccountQuerySet":
        return self if user.is_admin else self.filter(pk=user.account_id)

    def deleted(self) -> "AccountQuerySet":
        return self.filter(deleted_at__isnull=False)


class LiveAccountManager(models.Manager.from_queryset(AccountQuerySet)):
    """The default manager: a deleted account (awaiting its websites' purge) is not there."""

    def get_queryset(self) -> AccountQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Account(models.Model):
    """A tenant: it owns API users and websites, and through them every event and rollup."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set by `account_delete`; the row itself goes once its websites are purged.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LiveAccountManager()
    all_objects = AccountQuerySet.as_manager()  # deleted accounts too: for the purge only

    class Meta:
        ordering = ["created_at"]
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return self.name


SIGN_IN_EMAIL_CONSTRAINT = "accounts_user_sign_in_email_unique"
# Longer is no password anyone types: refused before it is hashed.
PASSWORD_MAX_LENGTH = 4096


class UserQuerySet(models.QuerySet):
    def for_user(self, user: "User") -> "UserQuerySet":
        return self if user.is_admin else self.filter(account_id=user.account_id)

    def signing_in_as(self, email: str) -> "UserQuerySet":
        """The user who signs in with this email (case-insensitive), if any: at most one."""
        return (
            self.exclude(password="")
            .filter(account__deleted_at__isnull=True)
            .alias(email_lower=Lower("email"))
            .filter(email_lower=Lower(models.Value(email)))
        )


class User(models.Model):
    """A person or client of an account: calls the API with its key and, once given a password,
    signs in to the dashboard (`accounts.sessions`) with the same role and tenancy. Operators
    sign in to /admin/ with Django's own users.

    The API key itself is never stored: `api_key_digest` (a keyed HMAC) finds the user, and
    `api_key_ciphertext` lets an admin read the key back (see `accounts.keys`). The password is
    stored as Django stores its users' (`make_password`); empty means no dashboard sign-in.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        Account,
        on_delete=models.DO_NOTHING,  # cascaded by PostgreSQL: see analytics_site.db
        db_constraint=False,
        related_name="users",
    )
    # NULL, not "", when absent: the API reports a missing email as null.
    email = models.EmailField(max_length=254, null=True, blank=True)  # noqa: DJ001
    role = models.CharField(max_length=5, choices=Role.choices, default=Role.USER)
    api_key_digest = models.CharField(max_length=64, unique=True, editable=False)
    api_key_ciphertext = models.TextField(editable=False)
    password = models.CharField(max_length=128, blank=True, default="", editable=False)
    last_login = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = UserQuerySet.as_manager()

    # DRF asks the authenticated principal these.
    is_authenticated = True
    is_anonymous = False

    class Meta:
        ordering = ["created_at"]
        verbose_name = "API user"
        constraints = [
            # Sign-in finds the user by email: among users who can sign in it names one user.
            # Users without a password (API-only) may still share an email, as before.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(password=""),
                name=SIGN_IN_EMAIL_CONSTRAINT,
                violation_error_message="Another user already signs in with this email.",
            )
        ]

    def __str__(self) -> str:
        return self.email or f"{self.role} {self.id}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def set_password(self, raw_password: str | None) -> None:
        """Hashes the password (not saved); None removes it: the user cannot sign in."""
        self.password = make_password(raw_password) if raw_password is not None else ""

    def check_password(self, raw_password: str) -> bool:
        """True when it is the user's password; an outdated hash is upgraded and saved."""

        def upgrade(raw: str) -> None:
            self.set_password(raw)
            User.objects.filter(pk=self.pk).update(password=self.password)

        return bool(self.password) and check_password(raw_password, self.password, upgrade)

    def session_auth_hash(self) -> str:
        """Kept in the signed-in session: a new password ends every other session."""
        return salted_hmac("accounts.User.session_auth_hash", self.password).hexdigest()
