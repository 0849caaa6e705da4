"""Password reset links for `accounts.User`, made as Django makes its users' own."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from accounts.models import User


class UserPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """A link stops working once used (the password changes), once its user signs in
    (`last_login`), when the email changes, and after PASSWORD_RESET_TIMEOUT.

    Django's generator reads `get_email_field_name()`, which only its users have; a salt of its
    own keeps these tokens from ever matching an operator's.
    """

    key_salt = "accounts.tokens.UserPasswordResetTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        login = (
            "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        )
        return f"{user.pk}{user.password}{login}{timestamp}{user.email or ''}"


password_reset_tokens = UserPasswordResetTokenGenerator()
