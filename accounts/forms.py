"""The sign-in pages' forms. Passwords go through Django's own forms, checked and saved by
accounts.services, so a page, the admin, the API and the CLI apply the same rules."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import services
from accounts.models import PASSWORD_MAX_LENGTH, User
from accounts.tokens import password_reset_tokens


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class _ServicePasswordMixin:
    """Checks the new password with `user_password_check` (the validators and the sign-in email
    rules) and saves it with `user_password_set`, in place of Django's own check and save."""

    def validate_password_for_user(self, user: User, password_field_name: str = "password2"):
        password = self.cleaned_data.get(password_field_name)
        if not password:
            return
        try:
            services.user_password_check(user=user, password=password)
        except ValidationError as refused:
            for field, errors in refused.error_dict.items():
                self.add_error(password_field_name if field == "password" else None, errors)

    def save(self, commit: bool = True) -> User:
        password = self.cleaned_data[self.password_field_name]
        services.user_password_set(user=self.user, password=password)
        return self.user


class PasswordChangeForm(_ServicePasswordMixin, auth_forms.PasswordChangeForm):
    password_field_name = "new_password1"


class PasswordResetSetForm(_ServicePasswordMixin, auth_forms.SetPasswordForm):
    password_field_name = "new_password1"


class AdminPasswordForm(_ServicePasswordMixin, auth_forms.SetPasswordMixin, forms.Form):
    """An operator sets an API user's sign-in password (the hash is never shown)."""

    password_field_name = "password1"
    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields()

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        self.validate_passwords()
        self.validate_password_for_user(self.user)
        return super().clean()


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    def get_users(self, email: str):
        # Only users who can sign in: a reset never gives a password to an API-only user.
        return User.objects.signing_in_as(email)

    def save(self) -> None:
        """Emails a reset link to the user who signs in with this email, if there is one."""
        for user in self.get_users(self.cleaned_data["email"]):
            path = reverse(
                "password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": password_reset_tokens.make_token(user),
                },
            )
            context = {
                "user": user,
                # Not the request's Host: a forged one would put an attacker's site in the link.
                "reset_url": settings.TRAILMARK_PUBLIC_URL + path,
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            }
            self.send_mail(
                "accounts/password_reset_subject.txt",
                "accounts/password_reset_email.txt",
                context,
                None,  # DEFAULT_FROM_EMAIL
                user.email,
            )
