"""The sign-in pages: sign in and out, where a sign-in lands, the session it starts, the
throttle, CSRF, and hostile input."""

import json
import re
import subprocess
import sys

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from accounts import services
from tests.accounts.conftest import PASSWORD, WHOAMI, person_make, sign_in, signed_in_as
from tests.factories import user_make

# The throttles count in fixed windows: the clock stands still in each test (ratelimit_clock).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.accounts.urls_signed_in"),
    pytest.mark.usefixtures("ratelimit_clock"),
]


# --- signing in and out ------------------------------------------------------------------------


def test_the_sign_in_page_has_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="email"' in page
    assert 'name="password"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert re.search(r'<label for="id_email">', page)
    assert re.search(r'<label for="id_password">', page)


def test_sign_in_lands_on_the_sites_and_sign_out_ends_it(client, person):
    response = sign_in(client, "owner@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/sites/"
    assert signed_in_as(client) == "owner@example.com"
    person.refresh_from_db()
    assert person.last_login is not None

    response = client.post("/logout")
    assert response.status_code == 302
    assert response["Location"] == "/login"
    assert signed_in_as(client) is None


def test_the_email_is_matched_without_case(client, person):
    assert sign_in(client, "OWNER@Example.COM").status_code == 302
    assert signed_in_as(client) == "owner@example.com"


def test_sign_out_needs_a_post(client, person):
    sign_in(client, "owner@example.com")
    assert client.get("/logout").status_code == 405
    assert signed_in_as(client) == "owner@example.com"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("owner@example.com", "Wrong-horse-battery"),
        ("nobody@example.com", PASSWORD),
        ("owner@example.com", PASSWORD.upper()),
    ],
    ids=["wrong-password", "unknown-email", "case-of-password"],
)
def test_a_wrong_email_or_password_shows_the_form_again(client, person, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 200
    assert "Wrong email or password." in response.content.decode()
    assert signed_in_as(client) is None


def test_unknown_email_and_wrong_password_answer_alike(client, person):
    wrong = sign_in(client, "owner@example.com", "Wrong-horse-battery").content.decode()
    unknown = sign_in(client, "nobody@example.com", "Wrong-horse-battery").content.decode()
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    wrong = token.sub("", wrong).replace("owner@example.com", "EMAIL")
    unknown = token.sub("", unknown).replace("nobody@example.com", "EMAIL")
    assert wrong == unknown


def test_an_api_user_without_a_password_cannot_sign_in(client):
    user, _ = user_make()
    response = sign_in(client, user.email)
    assert response.status_code == 200
    assert signed_in_as(client) is None


def test_a_user_of_a_deleted_account_is_signed_out_and_cannot_sign_in(client, person):
    sign_in(client, "owner@example.com")
    assert signed_in_as(client) == "owner@example.com"
    services.account_delete(account=person.account)
    assert signed_in_as(client) is None
    assert sign_in(Client(), "owner@example.com").status_code == 200


def test_a_removed_password_ends_the_users_sessions(client, person):
    sign_in(client, "owner@example.com")
    services.user_password_set(user=person, password=None)
    assert signed_in_as(client) is None
    assert sign_in(Client(), "owner@example.com").status_code == 200


def test_a_signed_in_page_redirects_to_sign_in_and_back(client, person):
    response = client.get(WHOAMI + "?period=7d")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/test-only/whoami%3Fperiod%3D7d"
    page = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/test-only/whoami?period=7d"' in page
    response = sign_in(client, "owner@example.com", next="/test-only/whoami?period=7d")
    assert response["Location"] == "/test-only/whoami?period=7d"


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [
        ("/sites/abc/?period=7d", "/sites/abc/?period=7d"),
        ("http://testserver/sites/", "http://testserver/sites/"),
        ("https://evil.example", "/sites/"),
        ("https://evil.example/sites/", "/sites/"),
        ("//evil.example/", "/sites/"),
        ("///evil.example/", "/sites/"),
        ("/\\evil.example", "/sites/"),
        ("\\\\evil.example", "/sites/"),
        ("https:evil.example", "/sites/"),
        ("javascript:alert(1)", "/sites/"),
        ("\x01/evil.example", "/sites/"),
        ("http://testserver.evil.example/", "/sites/"),
        ("", "/sites/"),
    ],
)
def test_next_only_leads_to_this_site(client, person, next_url, lands):
    response = sign_in(client, "owner@example.com", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == lands


def test_next_over_https_does_not_downgrade(person):
    client = Client()
    response = client.post(
        "/login?next=http://testserver/sites/",
        {"email": "owner@example.com", "password": PASSWORD},
        secure=True,
    )
    assert response["Location"] == "/sites/"


def test_a_control_character_in_next_cannot_split_the_header(client, person):
    response = sign_in(client, "owner@example.com", next="/sites/\r\nSet-Cookie: x=1")
    assert response.status_code == 302
    assert "\n" not in response["Location"]
    assert "x" not in response.cookies


# --- the session --------------------------------------------------------------------------------


def test_sign_in_starts_a_new_session_and_csrf_token(person):
    client = Client()
    client.get("/login")
    session = client.session
    session["before"] = "kept"
    session.save()
    before_key = session.session_key
    before_csrf = client.cookies["csrftoken"].value

    response = sign_in(client, "owner@example.com")
    assert response.status_code == 302
    after_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert after_key != before_key
    assert not SessionStore().exists(before_key)  # a fixed session key is worthless
    assert client.cookies["csrftoken"].value != before_csrf
    assert client.session["before"] == "kept"  # the same visitor's session, under a new key


def test_signing_in_as_someone_else_leaves_nothing_of_the_first(client, person):
    other = person_make(email="other@example.com")
    sign_in(client, "owner@example.com")
    session = client.session
    session["owner's"] = "data"
    session.save()
    sign_in(client, other.email)
    assert signed_in_as(client) == "other@example.com"
    assert "owner's" not in client.session


def test_the_session_cookie_is_http_only_and_lax(client, person):
    response = sign_in(client, "owner@example.com")
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_cookies_are_secure_under_trailmark_https():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "analytics_site.settings.test",
        "TRAILMARK_HTTPS": "1",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "True", "True"]


# --- CSRF ---------------------------------------------------------------------------------------


def csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get("/login")
    return client, client.cookies["csrftoken"].value


def test_sign_in_without_the_csrf_token_is_refused(person):
    client, token = csrf_client()
    fields = {"email": "owner@example.com", "password": PASSWORD}
    assert client.post("/login", fields).status_code == 403
    assert signed_in_as(client) is None
    assert client.post("/login", {**fields, "csrfmiddlewaretoken": token}).status_code == 302
    assert signed_in_as(client) == "owner@example.com"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/logout", {}),
        (
            "/password/change",
            {"old_password": PASSWORD, "new_password1": "N3w-pass-word", "new_password2": "x"},
        ),
        ("/password/reset", {"email": "owner@example.com"}),
    ],
)
def test_every_signed_in_form_refuses_a_post_without_the_token(person, path, fields):
    client, token = csrf_client()
    client.post(
        "/login", {"email": person.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    token = client.cookies["csrftoken"].value  # rotated by the sign-in
    assert client.post(path, fields).status_code == 403
    assert client.post(path, {**fields, "csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert signed_in_as(client) == "owner@example.com"  # the refused sign-out did nothing
    assert client.post(path, {**fields, "csrfmiddlewaretoken": token}).status_code in (200, 302)


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"email": "owner@example.com"},
        {"password": PASSWORD},
        {"email": "x" * 300 + "@example.com", "password": PASSWORD},
        {"email": "owner@example.com", "password": "p" * 5000},
        {"email": "ówner@exämple.com", "password": "pässwörd-ünïcode-🔑"},
        {"email": "owner@example.com\x00", "password": PASSWORD},
        {"email": "owner@example.com", "password": "pass\x00word"},
        {"email": "not an email", "password": PASSWORD},
        {"email": ["owner@example.com", "b@example.com"], "password": [PASSWORD, "x"]},
    ],
)
def test_hostile_sign_in_forms_are_form_errors(client, person, fields):
    response = client.post("/login", fields)
    assert response.status_code == 200
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "body",
    [
        "email=%ED%A0%80%40example.com&password=%FF%FE",  # a surrogate, bytes that are no UTF-8
        "email=owner%40example.com&password=" + "%00" * 10,
        "&&&==&email",
    ],
)
def test_undecodable_form_bodies_are_form_errors(client, person, body):
    response = client.post("/login", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert signed_in_as(client) is None


def test_json_instead_of_a_form_is_a_form_error(client, person):
    body = json.dumps({"email": "owner@example.com", "password": PASSWORD})
    response = client.post("/login", body, content_type="application/json")
    assert response.status_code == 200
    assert signed_in_as(client) is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(client, method):
    assert getattr(client, method)("/login").status_code == 405


# --- the throttle --------------------------------------------------------------------------------


def fail(email: str = "owner@example.com", ip: str = "198.51.100.7"):
    return sign_in(Client(REMOTE_ADDR=ip), email, "Wrong-horse-battery")


def test_failed_sign_ins_from_one_client_reach_429(person, settings):
    settings.TRAILMARK_LOGIN_RATE = "3/5m"
    for n in range(3):
        assert fail(email=f"guess{n}@example.com").status_code == 200
    client = Client(REMOTE_ADDR="198.51.100.7")
    response = sign_in(client, "owner@example.com")  # even the right password
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 300
    assert signed_in_as(client) is None
    # Another client signs in.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.8"), "owner@example.com").status_code == 302


def test_failed_sign_ins_for_one_email_reach_429_from_any_client(person, settings):
    settings.TRAILMARK_LOGIN_RATE = "3/5m"
    for n in range(3):
        assert fail(ip=f"198.51.100.{10 + n}").status_code == 200
    assert sign_in(Client(REMOTE_ADDR="198.51.100.50"), "OWNER@example.com").status_code == 429
    # Other emails are not affected.
    person_make(email="colleague@example.com")
    response = sign_in(Client(REMOTE_ADDR="198.51.100.50"), "colleague@example.com")
    assert response.status_code == 302


def test_the_throttle_resets_when_its_window_ends(person, settings, ratelimit_clock):
    settings.TRAILMARK_LOGIN_RATE = "2/5m"
    for _ in range(2):
        fail()
    assert fail().status_code == 429
    ratelimit_clock.advance(301)
    response = sign_in(Client(REMOTE_ADDR="198.51.100.7"), "owner@example.com")
    assert response.status_code == 302


def test_successful_sign_ins_are_not_counted(person, settings):
    settings.TRAILMARK_LOGIN_RATE = "2/5m"
    for _ in range(4):
        assert sign_in(Client(REMOTE_ADDR="198.51.100.7"), "owner@example.com").status_code == 302


def test_invalid_forms_are_not_counted(person, settings):
    settings.TRAILMARK_LOGIN_RATE = "2/5m"
    for _ in range(4):
        assert Client(REMOTE_ADDR="198.51.100.7").post("/login", {}).status_code == 200
    assert sign_in(Client(REMOTE_ADDR="198.51.100.7"), "owner@example.com").status_code == 302


def test_without_redis_sign_ins_are_let_through_and_logged(person, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.TRAILMARK_LOGIN_RATE = "1/5m"
    for _ in range(3):
        assert fail().status_code == 200
    assert sign_in(Client(REMOTE_ADDR="198.51.100.7"), "owner@example.com").status_code == 302
    assert "Rate limit counters unavailable" in caplog.text


def test_the_throttle_keeps_no_address_or_email_in_redis(person, settings):
    fail(ip="198.51.100.99")
    connection = redis.Redis.from_url(django_settings.REDIS_URL)
    try:
        keys = connection.keys("*")
        assert keys
        stored = b" ".join(keys + [connection.get(key) or b"" for key in keys])
    finally:
        connection.close()
    assert b"198.51.100.99" not in stored
    assert b"owner" not in stored.lower()


@pytest.mark.parametrize("path", ["/login", "/password/reset", "/password/change"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"email": "owner@example.com", "password": 1}', "application/json"),
        ("not json at all {", "application/json"),
        ("email=" + "x" * 60_000, "application/x-www-form-urlencoded"),
        (
            "old_password=%FF&new_password1=%00&new_password2=" + "p" * 5000,
            "application/x-www-form-urlencoded",
        ),
        ("--b\r\nbroken multipart", "multipart/form-data; boundary=b"),
        ("a=1", "text/plain; charset=utf-8"),
    ],
    ids=["json", "bad-json", "long-field", "odd-bytes", "broken-multipart", "text"],
)
def test_no_page_answers_a_hostile_body_with_a_500(person, path, body, content_type):
    client = Client(raise_request_exception=False)
    sign_in(client, "owner@example.com")
    response = client.post(path, body, content_type=content_type)
    assert 200 <= response.status_code < 500
    assert signed_in_as(client) == "owner@example.com"
