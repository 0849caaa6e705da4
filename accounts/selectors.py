from django.db.models import QuerySet

from accounts.keys import API_KEY_PREFIX, api_key_decrypt, api_key_digest, api_key_digests_match
from accounts.models import Account, User

# Longer values are not keys we issued; refuse them before hashing attacker-sized input.
_MAX_API_KEY_LENGTH = 128


def account_list(*, user: User) -> QuerySet[Account]:
    return Account.objects.for_user(user).order_by("created_at")


def user_list(*, user: User) -> QuerySet[User]:
    return User.objects.for_user(user).order_by("created_at")


def user_get_by_api_key(*, api_key: str) -> User | None:
    if not api_key.startswith(API_KEY_PREFIX) or len(api_key) > _MAX_API_KEY_LENGTH:
        return None
    digest = api_key_digest(api_key)
    user = User.objects.filter(api_key_digest=digest).first()
    if user is None or not api_key_digests_match(user.api_key_digest, digest):
        return None
    return user


def user_api_key(*, user: User) -> str:
    return api_key_decrypt(user.api_key_ciphertext)
