"""The sign-in pages: sign in and out, change a password, reset a forgotten one by email.

Who is signed in is `accounts.sessions`' business; these views only call it.
"""

import math
import uuid

from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors
from accounts.forms import (
    PasswordChangeForm,
    PasswordResetRequestForm,
    PasswordResetSetForm,
    SignInForm,
)
from accounts.models import User
from accounts.sessions import sign_in, sign_in_refresh, sign_in_required, sign_out
from accounts.throttle import password_reset_count, sign_in_failure_count, sign_in_wait
from accounts.tokens import password_reset_tokens

# Where a sign-in lands without a (safe) `next`.
SIGNED_IN_HOME = "/sites/"

_pages = require_http_methods(["GET", "HEAD", "POST"])


@sensitive_post_parameters("password")
@never_cache
@_pages
def login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    form = SignInForm(_posted(request))
    if form.is_valid():
        email, password = form.cleaned_data["email"], form.cleaned_data["password"]
        wait = sign_in_wait(request, email=email)
        if wait is not None:
            form = SignInForm(initial={"email": email})
            return _too_many(request, "accounts/login.html", {"form": form, "next": next_url}, wait)
        user = selectors.user_authenticate(email=email, password=password)
        if user is not None:
            sign_in(request, user)
            return redirect(next_url)
        sign_in_failure_count(request, email=email)
        form.add_error(None, "Wrong email or password.")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST  # a link or an image must not sign anyone out
def logout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return redirect("login")


@sensitive_post_parameters()
@never_cache
@_pages
@sign_in_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.account_user
    form = PasswordChangeForm(user, _posted(request))
    if request.method == "POST":
        # The old password is a password guess like a sign-in's: counted the same way.
        wait = sign_in_wait(request, email=user.email)
        if wait is not None:
            form = PasswordChangeForm(user)
            return _too_many(request, "accounts/password_change.html", {"form": form}, wait)
        if form.is_valid():
            form.save()
            sign_in_refresh(request, user)
            return redirect("password_change_done")
        if form.has_error("old_password", "password_incorrect"):
            sign_in_failure_count(request, email=user.email)
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
@sign_in_required
@require_safe
def password_change_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_change_done.html")


@never_cache
@_pages
def password_reset(request: HttpRequest) -> HttpResponse:
    """Asks for an email; the answer is the same whether a user signs in with it or not."""
    form = PasswordResetRequestForm(_posted(request))
    if form.is_valid():
        wait, email_allowed = password_reset_count(request, email=form.cleaned_data["email"])
        if wait is not None:
            form = PasswordResetRequestForm()
            return _too_many(request, "accounts/password_reset.html", {"form": form}, wait)
        if email_allowed:
            form.save()
        return redirect("password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_safe
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")


class PasswordResetConfirm(PasswordResetConfirmView):
    """Django's view (the token leaves the URL for the session before the form shows), for
    `accounts.User`; no sign-in afterwards: the user signs in with the new password."""

    form_class = PasswordResetSetForm
    token_generator = password_reset_tokens
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64: str) -> User | None:
        try:
            user_id = uuid.UUID(urlsafe_base64_decode(uidb64).decode())
        except ValueError:  # not base64, not text, not a UUID
            return None
        return User.objects.filter(pk=user_id).first()


@require_safe
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_complete.html")


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _safe_next(request: HttpRequest) -> str:
    """The page asked for before signing in, when it is on this site; the home page otherwise."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return SIGNED_IN_HOME


def _too_many(request: HttpRequest, template: str, context: dict, wait: int) -> HttpResponse:
    context = {**context, "too_many": True, "wait_minutes": math.ceil(wait / 60)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response
