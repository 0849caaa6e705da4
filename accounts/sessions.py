"""Dashboard sign-in: an `accounts.User` held in Django's session, beside (not instead of) the
admin's Django users, whose integer keys `django.contrib.auth.login` expects.

`sign_in_required` is the one way a page gets its user: it sets `request.account_user`, or sends
the visitor to the sign-in page. Tenancy then goes through the managers' `for_user`, as in the API.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User

SESSION_USER_KEY = "_account_user_id"
SESSION_HASH_KEY = "_account_user_hash"


def sign_in(request, user: User) -> None:
    """Starts the user's session under a new session key and CSRF token (no fixation), stamps
    `last_login`. Another user's session is emptied first, as `django.contrib.auth.login` does,
    so nothing of theirs carries over."""
    if request.session.get(SESSION_USER_KEY, str(user.pk)) != str(user.pk):
        request.session.flush()
    else:
        request.session.cycle_key()
    rotate_token(request)
    request.session[SESSION_USER_KEY] = str(user.pk)
    request.session[SESSION_HASH_KEY] = user.session_auth_hash()
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)
    request.account_user = user


def sign_in_refresh(request, user: User) -> None:
    """Keeps this session signed in after its user's password changed (the others end)."""
    request.session.cycle_key()
    request.session[SESSION_HASH_KEY] = user.session_auth_hash()


def sign_out(request) -> None:
    request.session.flush()
    request.account_user = None


def signed_in_user(request) -> User | None:
    """The session's user, or None: signed out, deleted, its account deleted, its password
    changed or removed since."""
    user_id = request.session.get(SESSION_USER_KEY)
    if user_id is None:
        return None
    user = (
        User.objects.filter(pk=user_id, account__deleted_at__isnull=True)
        .select_related("account")
        .first()
    )
    if user is None or not user.password:
        return None
    if not constant_time_compare(
        request.session.get(SESSION_HASH_KEY, ""), user.session_auth_hash()
    ):
        return None
    return user


def sign_in_required(view):
    """The page's `request.account_user`, or a redirect to the sign-in page and back."""

    @wraps(view)
    def signed_in_view(request, *args, **kwargs):
        request.account_user = signed_in_user(request)
        if request.account_user is None:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return signed_in_view
