import uuid
from contextlib import contextmanager

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.keys import api_key_digest, api_key_encrypt, api_key_generate
from accounts.models import PASSWORD_MAX_LENGTH, SIGN_IN_EMAIL_CONSTRAINT, Account, Role, User
from websites.models import Website
from websites.services import websites_delete


def account_create(*, name: str) -> Account:
    return Account.objects.create(name=name)


def account_delete(*, account: Account) -> None:
    """Deletes the account at once: its API users (their keys stop working), and, marked
    deleted, the account and its websites, whose rows are purged in the background; the account
    row goes after its last website's (`account_purge`)."""
    with transaction.atomic():
        User.objects.filter(account_id=account.pk).delete()
        Account.all_objects.filter(pk=account.pk).update(deleted_at=timezone.now())
        websites_delete(
            website_ids=Website.all_objects.filter(account_id=account.pk).values_list(
                "pk", flat=True
            )
        )
    account_purge(account_id=account.pk)


def account_purge(*, account_id: uuid.UUID) -> bool:
    """Deletes a deleted account's row once none of its websites is left; True when deleted."""
    deleted, _ = (
        Account.all_objects.deleted()
        .filter(pk=account_id)
        .exclude(pk__in=Website.all_objects.filter(account_id=account_id).values("account_id"))
        .delete()
    )
    return bool(deleted)


def account_get_or_create(*, name: str) -> Account:
    account = Account.objects.filter(name=name).order_by("created_at").first()
    return account or account_create(name=name)


def user_create(
    *, account: Account, role: Role | str, email: str | None = None, password: str | None = None
) -> tuple[User, str]:
    """Creates an API user; returns it with its new key, the only time the key is in the clear.

    With a password it can also sign in to the pages; raises ValidationError (nothing created)
    when it could not (see `user_password_check`).
    """
    user = User(account=account, role=role, email=email or None)
    if password is not None:
        user_password_check(user=user, password=password)
        user.set_password(password)
    with _sign_in_email_taken_is_invalid():
        api_key = user_issue_api_key(user=user)
    if password is not None:
        password_validation.password_changed(password, user)
    return user, api_key


def user_issue_api_key(*, user: User) -> str:
    """Gives the user a new API key and saves it (a new user is inserted); returns the key.

    An existing key stops working at once: this is also how keys are rotated.
    """
    api_key = api_key_generate()
    user.api_key_digest = api_key_digest(api_key)
    user.api_key_ciphertext = api_key_encrypt(api_key)
    user.save()
    return api_key


def user_password_check(*, user: User, password: str) -> None:
    """Raises ValidationError (by field) unless `user` may sign in with `password`: it passes
    AUTH_PASSWORD_VALIDATORS (and is not absurdly long), and the user has an email that no other
    user signs in with."""
    errors: dict[str, list[ValidationError]] = {}
    if len(password) > PASSWORD_MAX_LENGTH:
        errors["password"] = [
            ValidationError(f"A password holds at most {PASSWORD_MAX_LENGTH} characters.")
        ]
    else:
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as invalid:
            errors["password"] = invalid.error_list
    try:
        user_sign_in_email_check(user=user, email=user.email)
    except ValidationError as refused:
        errors["email"] = refused.error_list
    if errors:
        raise ValidationError(errors)


def user_sign_in_email_check(*, user: User, email: str | None) -> None:
    """Raises ValidationError unless `user` could sign in with `email`: one, of nobody else's."""
    if not email:
        raise ValidationError("A user who signs in needs an email.")
    if User.objects.signing_in_as(email).exclude(pk=user.pk).exists():
        raise ValidationError("Another user already signs in with this email.")


def user_password_set(*, user: User, password: str | None) -> None:
    """Sets the user's sign-in password (None removes it: the user can no longer sign in) and
    saves it; every session signed in with the previous one ends (accounts.sessions).

    Raises ValidationError when the password is refused (see `user_password_check`).
    """
    if password is not None:
        user_password_check(user=user, password=password)
    user.set_password(password)
    with _sign_in_email_taken_is_invalid():
        User.objects.filter(pk=user.pk).update(password=user.password)
    if password is not None:
        password_validation.password_changed(password, user)


@contextmanager
def _sign_in_email_taken_is_invalid():
    """A concurrent request gave another user the same sign-in email after our check: the
    database's constraint refuses it, reported like the check's own error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as refused:
        diag = getattr(refused.__cause__, "diag", None)  # psycopg's, under Django's wrapper
        if getattr(diag, "constraint_name", None) != SIGN_IN_EMAIL_CONSTRAINT:
            raise
        raise ValidationError(
            {"email": "Another user already signs in with this email."}
        ) from refused


def user_delete(*, user: User) -> None:
    User.objects.filter(pk=user.pk).delete()


def user_api_key_restore(*, user: User, api_key: str, stored_digest: str) -> None:
    """Re-stores a key found under an older secret under the newest one (digest and ciphertext).

    Only while the row still holds the digest it was found by: a key reissued meanwhile stays.
    """
    digest = api_key_digest(api_key)
    ciphertext = api_key_encrypt(api_key)
    User.objects.filter(pk=user.pk, api_key_digest=stored_digest).update(
        api_key_digest=digest, api_key_ciphertext=ciphertext
    )
    user.api_key_digest, user.api_key_ciphertext = digest, ciphertext
