from django.contrib.auth.hashers import make_password
from django.db.models import QuerySet

from accounts.keys import (
    api_key_decrypt,
    api_key_digests,
    api_key_digests_match,
    api_key_well_formed,
)
from accounts.models import Account, User


def account_list(*, user: User) -> QuerySet[Account]:
    return Account.objects.for_user(user).order_by("created_at")


def user_list(*, user: User) -> QuerySet[User]:
    return User.objects.for_user(user).order_by("created_at")


def user_get_by_api_key(*, api_key: str) -> User | None:
    """The user of `api_key`, whichever configured secret its digest was stored under (one query).

    A key found under an older secret is still stored under it: the caller re-stores it under the
    newest (accounts.services.user_api_key_restore).
    """
    if not api_key_well_formed(api_key):
        return None
    digests = api_key_digests(api_key)
    user = User.objects.filter(api_key_digest__in=digests).first()
    if user is None:
        return None
    if not any(api_key_digests_match(user.api_key_digest, digest) for digest in digests):
        return None
    return user


def user_api_key(*, user: User) -> str:
    """The user's key in the clear; raises accounts.keys.ApiKeyUnreadable when it cannot be."""
    return api_key_decrypt(user.api_key_ciphertext)


def user_authenticate(*, email: str, password: str) -> User | None:
    """The user who signs in with this email and password, or None."""
    user = User.objects.signing_in_as(email).select_related("account").first()
    if user is None:
        # Hash anyway: an unknown email answers as slowly as a wrong password, so the time
        # taken does not tell which emails can sign in.
        make_password(password)
        return None
    return user if user.check_password(password) else None
