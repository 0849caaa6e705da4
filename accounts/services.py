from accounts.keys import api_key_digest, api_key_encrypt, api_key_generate
from accounts.models import Account, Role, User


def account_create(*, name: str) -> Account:
    return Account.objects.create(name=name)


def account_delete(*, account: Account) -> None:
    """Deletes the account; PostgreSQL cascades to its users, websites, events and rollups."""
    Account.objects.filter(pk=account.pk).delete()


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
