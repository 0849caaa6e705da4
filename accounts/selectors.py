from django.db.models import QuerySet

from accounts.keys import (
    api_key_decrypt,
    api_key_digests,
    api_key_digests_match,
    api_key_encrypt,
    api_key_well_formed,
)
from accounts.models import Account, User


def account_list(*, user: User) -> QuerySet[Account]:
    return Account.objects.for_user(user).order_by("created_at")


def user_list(*, user: User) -> QuerySet[User]:
    return User.objects.for_user(user).order_by("created_at")


def user_get_by_api_key(*, api_key: str) -> User | None:
    """The user of `api_key`, whichever configured secret its digest was stored under (one query).

    A key found under an older secret is re-stored under the newest, as Django upgrades a password
    hash on login: once every key has been used since a rotation, the old secret can be dropped.
    """
    if not api_key_well_formed(api_key):
        return None
    digests = api_key_digests(api_key)
    user = User.objects.filter(api_key_digest__in=digests).first()
    if user is None:
        return None
    matches = [api_key_digests_match(user.api_key_digest, digest) for digest in digests]
    if not any(matches):
        return None
    if not matches[0]:
        _user_api_key_restore(user=user, api_key=api_key, stored_digest=user.api_key_digest)
    return user


def user_api_key(*, user: User) -> str:
    """The user's key in the clear; raises accounts.keys.ApiKeyUnreadable when it cannot be."""
    return api_key_decrypt(user.api_key_ciphertext)


def _user_api_key_restore(*, user: User, api_key: str, stored_digest: str) -> None:
    digest = api_key_digests(api_key)[0]
    ciphertext = api_key_encrypt(api_key)
    # Only while the row still holds the digest we matched: a key reissued meanwhile stays.
    User.objects.filter(pk=user.pk, api_key_digest=stored_digest).update(
        api_key_digest=digest, api_key_ciphertext=ciphertext
    )
    user.api_key_digest, user.api_key_ciphertext = digest, ciphertext
