"""Operators set and remove API users' sign-in passwords in the Django admin; the hash is never
shown."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from tests.accounts.conftest import PASSWORD, person_make, sign_in
from tests.factories import user_make

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "N3w-staple-lantern"


@pytest.fixture
def operator(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ops", password="s3cret-pass"))
    return client


def password_url(user: User) -> str:
    return reverse("admin:accounts_user_password", args=[user.pk])


def test_an_operator_sets_a_password_and_the_user_signs_in(operator):
    user, _ = user_make()
    change_page = operator.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert "the user cannot sign in" in change_page.content.decode()
    assert password_url(user) in change_page.content.decode()

    page = operator.get(password_url(user))
    assert page.status_code == 200
    assert 'name="password1"' in page.content.decode()
    response = operator.post(
        password_url(user), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_user_change", args=[user.pk])
    assert sign_in(Client(), user.email, NEW_PASSWORD).status_code == 302


def test_the_hash_is_never_shown(operator):
    user = person_make(email="owner@example.com")
    hashed = User.objects.get(pk=user.pk).password
    for url in (
        reverse("admin:accounts_user_change", args=[user.pk]),
        reverse("admin:accounts_user_changelist"),
        password_url(user),
    ):
        page = operator.get(url).content.decode()
        assert hashed not in page
        assert hashed.split("$")[-1] not in page


def test_an_operator_removes_a_password(operator):
    user = person_make(email="owner@example.com")
    signed_in = Client()
    sign_in(signed_in, "owner@example.com")
    response = operator.post(password_url(user), {"remove": "1"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).password == ""
    assert sign_in(Client(), "owner@example.com").status_code == 200
    assert signed_in.get("/password/change").status_code == 302  # signed out


def test_the_remove_action(operator):
    users = [person_make(email=f"p{n}@example.com") for n in range(2)]
    response = operator.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "remove_passwords", "_selected_action": [str(u.pk) for u in users]},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[u.pk for u in users]).exclude(password="").exists()


@pytest.mark.parametrize(
    ("fields", "email", "says"),
    [
        ({"password1": NEW_PASSWORD, "password2": "other"}, "a@example.com", "match"),
        ({"password1": "password123", "password2": "password123"}, "a@example.com", "too common"),
        ({"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, None, "needs an email"),
        ({"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, "taken@example.com", "already"),
        ({}, "a@example.com", "required"),
    ],
)
def test_a_refused_password_is_a_form_error(operator, fields, email, says):
    person_make(email="taken@example.com")
    user, _ = user_make()
    user.email = email
    user.save(update_fields=["email"])
    response = operator.post(password_url(user), {**fields, "set": "1"})
    assert response.status_code == 200
    assert says in response.content.decode()
    assert User.objects.get(pk=user.pk).password == ""


def test_the_email_of_a_user_who_signs_in_stays_unique_and_present(operator, tenant):
    person_make(email="taken@example.com")
    user = person_make(email="owner@example.com")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    fields = {"account": str(user.account_id), "role": "user", "_save": "Save"}
    response = operator.post(url, {**fields, "email": "TAKEN@example.com"})
    assert response.status_code == 200
    assert "Another user already signs in with this email" in response.content.decode()
    response = operator.post(url, {**fields, "email": ""})
    assert response.status_code == 200
    assert "A user who signs in needs an email" in response.content.decode()
    assert User.objects.get(pk=user.pk).email == "owner@example.com"


def test_the_changelist_filters_who_can_sign_in(operator):
    person_make(email="owner@example.com")
    user_make()
    response = operator.get(reverse("admin:accounts_user_changelist"), {"can_sign_in": "yes"})
    assert [str(u) for u in response.context["cl"].result_list] == ["owner@example.com"]


def test_unknown_user_is_404(operator):
    url = reverse("admin:accounts_user_password", args=["00000000-0000-0000-0000-000000000000"])
    assert operator.get(url).status_code == 404
    assert operator.get("/admin/accounts/user/not-a-uuid/password/").status_code in (302, 404)


def test_a_staff_user_without_change_permission_is_refused(client, django_user_model):
    staff = django_user_model.objects.create_user("viewer", password="s3cret-pass", is_staff=True)
    client.force_login(staff)
    user = person_make(email="owner@example.com")
    response = client.post(password_url(user), {"remove": "1"})
    assert response.status_code == 403
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_services_are_used_by_the_admin(operator, monkeypatch):
    user, _ = user_make()
    calls = []
    monkeypatch.setattr(services, "user_password_set", lambda **kw: calls.append(kw))
    operator.post(password_url(user), {"remove": "1"})
    assert calls == [{"user": user, "password": None}]
