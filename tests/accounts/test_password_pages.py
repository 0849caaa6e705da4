"""Changing a password signed in, and resetting a forgotten one by email."""

import base64
import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client

from accounts import services
from accounts.models import User
from accounts.tokens import UserPasswordResetTokenGenerator
from tests.accounts.conftest import PASSWORD, person_make, sign_in, signed_in_as
from tests.factories import user_make

# The throttles count in fixed windows: the clock stands still in each test (ratelimit_clock).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.accounts.urls_signed_in"),
    pytest.mark.usefixtures("ratelimit_clock"),
]

NEW_PASSWORD = "N3w-staple-lantern"


def signed_in(email: str = "owner@example.com", ip: str = "198.51.100.7") -> Client:
    client = Client(REMOTE_ADDR=ip)
    assert sign_in(client, email).status_code == 302
    return client


# --- change ------------------------------------------------------------------------------------


def change(client: Client, old: str = PASSWORD, new1: str = NEW_PASSWORD, new2: str | None = None):
    fields = {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    return client.post("/password/change", fields)


def test_the_change_page_needs_a_sign_in(client):
    response = client.get("/password/change")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/password/change"


def test_change_keeps_this_session_and_ends_the_others(person):
    here, elsewhere = signed_in(), signed_in(ip="198.51.100.8")
    page = here.get("/password/change")
    assert page.status_code == 200
    assert 'name="old_password"' in page.content.decode()

    before = here.cookies["sessionid"].value
    response = change(here)
    assert response.status_code == 302
    assert response["Location"] == "/password/change/done"
    assert here.get("/password/change/done").status_code == 200
    assert here.cookies["sessionid"].value != before
    assert signed_in_as(here) == "owner@example.com"
    assert signed_in_as(elsewhere) is None

    assert sign_in(Client(), "owner@example.com").status_code == 200  # the old one is refused
    assert sign_in(Client(), "owner@example.com", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"old": "Wrong-horse-battery"}, "old password was entered incorrectly"),
        ({"new2": "N3w-staple-lanterns"}, "match"),
        ({"new1": "password123"}, "too common"),
        ({"new1": "owner-example"}, "too similar"),
        ({"new1": "x" * 5000}, "at most 4096"),
        ({"new1": ""}, "required"),
    ],
)
def test_a_refused_change_keeps_the_password(person, fields, message):
    client = signed_in()
    response = change(client, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)
    assert signed_in_as(client) == "owner@example.com"


def test_wrong_old_passwords_are_throttled_like_sign_ins(person, settings):
    settings.TRAILMARK_LOGIN_RATE = "2/5m"
    client = signed_in()
    for _ in range(2):
        assert change(client, old="Wrong-horse-battery").status_code == 200
    response = change(client)
    assert response.status_code == 429
    assert "Retry-After" in response
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)


# --- reset -------------------------------------------------------------------------------------

LINK = re.compile(r"http://localhost:8000(/password/reset/[^/\s]+/[^/\s]+)")


def ask_reset(email: str = "owner@example.com", ip: str = "198.51.100.7"):
    return Client(REMOTE_ADDR=ip).post("/password/reset", {"email": email})


def reset_link() -> str:
    [message] = mail.outbox
    [path] = LINK.findall(message.body)
    return path


def set_new_password(path: str, password: str = NEW_PASSWORD) -> tuple[Client, object]:
    client = Client()
    response = client.get(path)
    assert response.status_code == 302  # the token leaves the URL for the session
    form_path = response["Location"]
    assert form_path.endswith("/set-password")
    assert 'name="new_password1"' in client.get(form_path).content.decode()
    response = client.post(form_path, {"new_password1": password, "new_password2": password})
    return client, response


def test_reset_by_email_end_to_end(person):
    elsewhere = signed_in(ip="198.51.100.8")
    assert Client().get("/password/reset").status_code == 200
    response = ask_reset("OWNER@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent"
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert message.subject == "Reset your Trailmark password"

    client, response = set_new_password(reset_link())
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/done"
    assert client.get("/password/reset/done").status_code == 200
    assert signed_in_as(client) is None  # no sign-in by the link itself
    assert signed_in_as(elsewhere) is None  # the old password's sessions end
    assert sign_in(Client(), "owner@example.com").status_code == 200
    assert sign_in(Client(), "owner@example.com", NEW_PASSWORD).status_code == 302


def test_a_used_link_stops_working(person):
    ask_reset()
    path = reset_link()
    set_new_password(path)
    response = Client().get(path)
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()


def test_a_link_stops_working_once_the_user_signs_in(person):
    ask_reset()
    path = reset_link()
    signed_in()
    assert "This link does not work" in Client().get(path).content.decode()


def test_a_link_stops_working_after_its_timeout(person, settings, monkeypatch):
    ask_reset()
    path = reset_link()
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(UserPasswordResetTokenGenerator, "_now", lambda self: later)
    assert "This link does not work" in Client().get(path).content.decode()


def test_a_refused_new_password_changes_nothing_and_the_link_still_works(person):
    ask_reset()
    client = Client()
    form_path = client.get(reset_link())["Location"]
    weak = {"new_password1": "password123", "new_password2": "password123"}
    response = client.post(form_path, weak)
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)
    good = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(form_path, good).status_code == 302


@pytest.mark.parametrize(
    "email",
    ["nobody@example.com", "api-only@example.com", "owner@example.com"],
    ids=["unknown", "no-password", "known"],
)
def test_the_answer_is_the_same_whoever_asks(person, email):
    user, _ = user_make()
    user.email = "api-only@example.com"
    user.save(update_fields=["email"])
    response = ask_reset(email)
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent"
    assert len(mail.outbox) == (1 if email == "owner@example.com" else 0)


def test_a_deleted_accounts_user_gets_no_link(person):
    ask_reset()
    path = reset_link()
    services.account_delete(account=person.account)
    ask_reset()
    assert len(mail.outbox) == 1
    assert "This link does not work" in Client().get(path).content.decode()


def test_the_link_uses_the_public_url_not_the_host_header(person, settings):
    settings.ALLOWED_HOSTS = ["*"]
    Client(HTTP_HOST="evil.example").post("/password/reset", {"email": "owner@example.com"})
    assert "evil.example" not in mail.outbox[0].body
    assert reset_link()


def test_reset_requests_are_limited_per_client_and_per_email(person, settings):
    settings.TRAILMARK_LOGIN_RATE = "2/5m"
    for n in range(2):
        assert ask_reset(ip=f"198.51.100.{n + 1}").status_code == 302
    # The email got its two: a third is not sent, with the same answer.
    assert ask_reset(ip="198.51.100.3").status_code == 302
    assert len(mail.outbox) == 2
    # One client asking too often gets 429.
    assert ask_reset("a@example.com", ip="198.51.100.9").status_code == 302
    assert ask_reset("b@example.com", ip="198.51.100.9").status_code == 302
    response = ask_reset("c@example.com", ip="198.51.100.9")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "path",
    [
        "/password/reset/!!!/abc-def",
        f"/password/reset/{b64('not-a-uuid')}/abc-def",
        f"/password/reset/{b64('00000000-0000-0000-0000-000000000000')}/abc-def",
        f"/password/reset/{'A' * 5000}/abc-def",
        f"/password/reset/{b64('é')}/set-password",
        "/password/reset/%FF%FE/%00",
    ],
)
def test_broken_links_say_so(person, path):
    client = Client()
    assert "This link does not work" in client.get(path).content.decode()
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)


def test_a_link_for_one_user_does_not_open_another(person):
    other = person_make(email="other@example.com")
    ask_reset()
    path = reset_link()
    uid = path.split("/")[3]
    forged = path.replace(uid, b64(str(other.pk)))
    assert "This link does not work" in Client().get(forged).content.decode()


def test_reset_forms_refuse_posts_without_the_csrf_token(person):
    ask_reset()
    path = reset_link()
    client = Client(enforce_csrf_checks=True)
    form_path = client.get(path)["Location"]
    assert client.get(form_path).status_code == 200
    fields = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(form_path, fields).status_code == 403
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)
    token = client.cookies["csrftoken"].value
    response = client.post(form_path, {**fields, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
