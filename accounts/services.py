import uuid

from django.db import transaction
from django.utils import timezone

from accounts.keys import api_key_digest, api_key_encrypt, api_key_generate
from accounts.models import Account, Role, User
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
    *, account: Account, role: Role | str, email: str | None = None
) -> tuple[User, str]:
    """Creates an API user; returns it with its new key, the only time the key is in the clear."""
    user = User(account=account, role=role, email=email or None)
    return user, user_issue_api_key(user=user)


def user_issue_api_key(*, user: User) -> str:
    """Gives the user a new API key and saves it (a new user is inserted); returns the key.

    An existing key stops working at once: this is also how keys are rotated.
    """
    api_key = api_key_generate()
    user.api_key_digest = api_key_digest(api_key)
    user.api_key_ciphertext = api_key_encrypt(api_key)
    user.save()
    return api_key


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
