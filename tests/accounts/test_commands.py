"""Management commands: create_api_user and seed_demo."""

import os
import re
import subprocess
import sys
import uuid
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Account, User
from tests.factories import account_make, signed_in_client
from websites.models import Website

API_KEY = re.compile(r"^tt_[A-Za-z0-9_-]{32,}$")

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def client_for(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


# --- create_api_user --------------------------------------------------------------------------


def test_create_api_user_creates_the_named_account_when_missing():
    lines = run("create_api_user", "--role", "user", "--account-name", "New Co")
    api_key = lines[-1]
    assert API_KEY.fullmatch(api_key)
    account = Account.objects.get(name="New Co")
    user = User.objects.get(account=account)
    assert user.role == "user"
    assert user.email is None

    client = client_for(api_key)
    assert client.get("/api/v1/websites").status_code == 200
    assert client.get("/api/v1/accounts").status_code == 403
    created = client.post("/api/v1/websites", {"domain": "new.example"}, format="json")
    assert created.json()["data"]["accountId"] == str(account.id)


def test_create_api_user_reuses_an_existing_named_account():
    account = account_make(name="Existing")
    api_key = run("create_api_user", "--role", "admin", "--account-name", "Existing")[-1]
    assert Account.objects.filter(name="Existing").count() == 1
    user = User.objects.get(account=account)
    assert user.role == "admin"
    assert client_for(api_key).get("/api/v1/accounts").status_code == 200


def test_create_api_user_with_account_id_and_email():
    account = account_make()
    lines = run(
        "create_api_user",
        "--role",
        "admin",
        "--account-id",
        str(account.id),
        "--email",
        "ops@example.com",
    )
    user = User.objects.get(account=account)
    assert user.email == "ops@example.com"
    assert str(user.id) in "\n".join(lines[:-1])
    response = client_for(lines[-1]).get(f"/api/v1/users/{user.id}/api-key")
    assert response.status_code == 200
    assert response.json()["data"]["apiKey"] == lines[-1]


@pytest.mark.parametrize("account_id", ["{unknown}", "not-a-uuid"])
def test_create_api_user_unknown_account_id(account_id):
    account_id = account_id.format(unknown=uuid.uuid4())
    with pytest.raises(CommandError, match="No account"):
        run("create_api_user", "--role", "user", "--account-id", account_id)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--account-name", "X"],  # no role
        ["--role", "owner", "--account-name", "X"],  # invalid role
        ["--role", "user"],  # no account
        ["--role", "user", "--account-name", "X", "--account-id", str(uuid.uuid4())],  # both
    ],
)
def test_create_api_user_rejects_invalid_arguments(args):
    with pytest.raises(CommandError):
        run("create_api_user", *args)
    assert not User.objects.exists()
    assert not Account.objects.exists()


PASSWORD = "Corr3ct-horse-battery"


def run_with_stdin(stdin: str, *args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdin=StringIO(stdin), stdout=out)
    return out.getvalue().splitlines()


def test_create_api_user_password_stdin_lets_the_user_sign_in(client):
    lines = run_with_stdin(
        PASSWORD + "\n",
        "create_api_user",
        "--role",
        "user",
        "--account-name",
        "Signs In",
        "--email",
        "owner@example.com",
        "--password-stdin",
    )
    assert API_KEY.fullmatch(lines[-1])
    assert "can sign in" in lines[0]
    assert PASSWORD not in "\n".join(lines)
    user = User.objects.get(email="owner@example.com")
    assert user.check_password(PASSWORD)
    response = client.post("/login", {"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_create_api_user_password_stdin_reads_one_line_and_keeps_spaces():
    run_with_stdin(
        " " + PASSWORD + " \r\nsecond line\n",
        "create_api_user",
        "--role",
        "user",
        "--account-name",
        "X",
        "--email",
        "owner@example.com",
        "--password-stdin",
    )
    assert User.objects.get().check_password(" " + PASSWORD + " ")


@pytest.mark.django_db(transaction=True)
def test_create_api_user_password_stdin_from_a_shell_pipe():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "analytics_site.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    command = [
        sys.executable,
        "manage.py",
        "create_api_user",
        "--role=user",
        "--account-name=Piped",
        "--email=piped@example.com",
        "--password-stdin",
    ]
    done = subprocess.run(
        command,
        input=PASSWORD + "\n",
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert API_KEY.fullmatch(done.stdout.splitlines()[-1])
    assert User.objects.get(email="piped@example.com").check_password(PASSWORD)


@pytest.mark.parametrize(
    ("stdin", "email", "says"),
    [
        ("password123\n", "owner@example.com", "too common"),
        ("short\n", "owner@example.com", "too short"),
        ("\n", "owner@example.com", "no password"),
        ("", "owner@example.com", "no password"),
        (PASSWORD + "\n", None, "needs an email"),
    ],
    ids=["common", "short", "empty-line", "empty-stdin", "no-email"],
)
def test_create_api_user_refuses_a_password_and_creates_nothing(stdin, email, says):
    args = ["create_api_user", "--role", "user", "--account-name", "New Co", "--password-stdin"]
    if email:
        args += ["--email", email]
    with pytest.raises(CommandError, match=says):
        run_with_stdin(stdin, *args)
    assert not User.objects.exists()
    assert not Account.objects.exists()


# --- seed_demo --------------------------------------------------------------------------------


def admin_key(lines: list[str]) -> str:
    [line] = [line for line in lines if line.startswith("Admin API key:")]
    return line.split(":", 1)[1].strip()


def test_seed_demo_is_idempotent():
    first = run("seed_demo")
    second = run("seed_demo")

    assert Account.objects.count() == 1
    account = Account.objects.get()
    assert Website.objects.filter(account=account).count() == 1
    assert User.objects.filter(account=account).count() == 2  # the admin and the site owner
    assert get_user_model().objects.filter(username="operator", is_superuser=True).count() == 1

    api_key = admin_key(first)
    assert API_KEY.fullmatch(api_key)
    assert admin_key(second) == api_key
    assert User.objects.get(email="admin@demo.trailmark.local").is_admin

    client = client_for(api_key)
    websites = client.get("/api/v1/websites").json()["data"]
    assert [website["domain"] for website in websites] == ["localhost"]
    assert client.get("/api/v1/accounts").status_code == 200
    assert any(f"X-API-KEY: {api_key}" in line for line in second)

    # Two months of demo traffic, loaded once, that the reports show.
    from ingest.models import Event

    website = Website.objects.get(account=account)
    events = Event.objects.filter(website=website).count()
    assert events > 1000
    assert any(line.startswith("Demo traffic:") for line in first)
    assert not any(line.startswith("Demo traffic:") for line in second)
    summary = client.get(f"/api/v1/reports/summary?website_id={website.id}&period=30d").json()
    assert summary["data"]["metrics"]["visits"]["value"] > 0


def test_seed_demo_operator_can_sign_in_to_the_admin(client):
    lines = run("seed_demo")
    [line] = [line for line in lines if line.startswith("Django admin")]
    password = line.rsplit("password", 1)[1].strip()
    assert client.login(username="operator", password=password)
    assert client.get("/admin/").status_code == 200


def dashboard_password(lines: list[str], email: str) -> str:
    [line] = [line for line in lines if f": {email}  password " in line]
    return line.split("password", 1)[1].split()[0]


def test_seed_demo_prints_who_signs_in_to_the_dashboard():
    """The operator (the admin API user: every site) and the demo site's owner (a `user` of the
    demo account: its sites only), each with a new password every run."""
    first = run("seed_demo")
    second = run("seed_demo")
    website = Website.objects.get()
    for email, role in [
        ("admin@demo.trailmark.local", "admin"),
        ("owner@demo.trailmark.local", "user"),
    ]:
        user = User.objects.get(email=email)
        password = dashboard_password(second, email)
        assert user.role == role and user.account == website.account
        assert user.check_password(password)
        assert password != dashboard_password(first, email)
        validate_password(password)
        html = signed_in_client(user).get("/sites/").content.decode()
        assert website.domain in html
    assert any(line.startswith("Dashboard    : http") and "/login" in line for line in second)


def test_seed_demo_site_fills_every_panel_in_its_own_time_zone():
    from dashboard.selectors import BREAKDOWNS, realtime_figures
    from dashboard.site_selectors import website_query_run

    run("seed_demo")
    website = Website.objects.get()
    assert website.timezone == "Europe/Berlin"
    for breakdown in BREAKDOWNS.values():
        dimension = breakdown.dimension + ("plan" if breakdown.dimension.endswith(":") else "")
        answer = website_query_run(
            website=website,
            body={"date_range": "30d", "metrics": ["visitors"], "dimensions": [dimension]},
        )
        values = [row["dimensions"][0] for row in answer["results"]]
        assert len([value for value in values if value is not None]) >= 2, breakdown.slug
    previous = website_query_run(
        website=website,
        body={"date_range": "30d", "metrics": ["visitors"], "compare": "previous_period"},
    )
    assert previous["results"][0]["comparison"]["metrics"][0] > 0
    assert realtime_figures(website=website, filters=()).active_visitors > 0


def test_seed_demo_operator_password_passes_the_validators():
    lines = run("seed_demo")
    [line] = [line for line in lines if line.startswith("Django admin")]
    password = line.rsplit("password", 1)[1].strip()
    operator = get_user_model().objects.get(username="operator")
    validate_password(password, user=operator)  # raises if not
    assert operator.check_password(password)


def test_seed_demo_reissues_a_demo_key_stored_under_a_dropped_secret(settings):
    settings.TRAILMARK_KEY_SECRETS = ["dropped-secret"]
    old_key = admin_key(run("seed_demo"))
    settings.TRAILMARK_KEY_SECRETS = ["new-secret"]
    new_key = admin_key(run("seed_demo"))
    assert new_key != old_key
    assert client_for(new_key).get("/api/v1/accounts").status_code == 200
