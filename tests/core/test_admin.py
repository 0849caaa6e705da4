"""Django admin: operators sign in with Django's staff accounts and manage tenants."""

import re

import pytest
from django.urls import reverse

from accounts import selectors
from accounts.models import User
from tests.factories import account_make, user_make, website_make
from websites.models import Website

API_KEY = re.compile(r"tt_[A-Za-z0-9_-]{32,}")


@pytest.fixture
def operator(client, django_user_model):
    django_user_model.objects.create_superuser("ops", password="s3cret-pass")
    assert client.login(username="ops", password="s3cret-pass")
    return client


def keys_in(response) -> list[str]:
    return API_KEY.findall(response.content.decode())


@pytest.mark.django_db
def test_admin_requires_a_staff_login(client, django_user_model):
    url = reverse("admin:accounts_account_changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]

    django_user_model.objects.create_user("plain", password="pw-plain-123")
    client.login(username="plain", password="pw-plain-123")
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    "name",
    [
        "admin:accounts_account_changelist",
        "admin:accounts_user_changelist",
        "admin:websites_website_changelist",
        "admin:accounts_account_add",
        "admin:accounts_user_add",
        "admin:websites_website_add",
    ],
)
def test_pages_load(operator, tenant, website, name):
    assert operator.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("admin:accounts_account_changelist", {"q": "Tenant"}),
        ("admin:accounts_user_changelist", {"q": "example.com", "role__exact": "user"}),
        ("admin:accounts_user_changelist", {"q": "Tenant A"}),
        ("admin:websites_website_changelist", {"q": "example"}),
    ],
)
def test_search_and_filters(operator, tenant, website, name, query):
    response = operator.get(reverse(name), query)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 1


def test_changelists_do_not_count_whole_tables(operator, tenant, website):
    for name in (
        "admin:accounts_account_changelist",
        "admin:accounts_user_changelist",
        "admin:websites_website_changelist",
    ):
        response = operator.get(reverse(name), {"q": "example"})
        assert response.context["cl"].show_full_result_count is False


def test_change_pages_load_without_the_key(operator, tenant, website):
    user_page = operator.get(reverse("admin:accounts_user_change", args=[tenant.user.pk]))
    assert user_page.status_code == 200
    assert tenant.api_key not in user_page.content.decode()
    assert keys_in(user_page) == []
    account_page = operator.get(reverse("admin:accounts_account_change", args=[tenant.account.pk]))
    assert account_page.status_code == 200


def test_creating_a_user_shows_its_key_once(operator):
    account = account_make(name="Admin-made")
    response = operator.post(
        reverse("admin:accounts_user_add"),
        {"account": str(account.pk), "email": "made@example.com", "role": "user", "_save": "Save"},
        follow=True,
    )
    assert response.status_code == 200
    user = User.objects.get(email="made@example.com")
    assert user.account == account
    [api_key] = keys_in(response)
    assert selectors.user_get_by_api_key(api_key=api_key) == user
    assert selectors.user_api_key(user=user) == api_key
    assert any(api_key in str(message) for message in response.context["messages"])

    # Once: neither the list nor the user's page shows it again.
    assert keys_in(operator.get(reverse("admin:accounts_user_changelist"))) == []
    assert keys_in(operator.get(reverse("admin:accounts_user_change", args=[user.pk]))) == []


def test_editing_a_user_keeps_its_key(operator, tenant):
    response = operator.post(
        reverse("admin:accounts_user_change", args=[tenant.user.pk]),
        {
            "account": str(tenant.account.pk),
            "email": "renamed@example.com",
            "role": "user",
            "_save": "Save",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert keys_in(response) == []
    assert selectors.user_get_by_api_key(api_key=tenant.api_key).email == "renamed@example.com"


def test_rotate_action_changes_the_keys(operator, tenant, other_tenant):
    response = operator.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "rotate_api_keys", "_selected_action": [str(tenant.user.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    [new_key] = keys_in(response)
    assert new_key != tenant.api_key
    assert selectors.user_get_by_api_key(api_key=tenant.api_key) is None
    assert selectors.user_get_by_api_key(api_key=new_key) == tenant.user
    assert tenant.client.get("/api/v1/websites").status_code == 401
    # Users that were not selected keep their keys.
    assert selectors.user_get_by_api_key(api_key=other_tenant.api_key) == other_tenant.user


def test_rotate_action_on_several_users(operator, tenant):
    second, second_key = user_make(account=tenant.account)
    response = operator.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "rotate_api_keys", "_selected_action": [str(tenant.user.pk), str(second.pk)]},
        follow=True,
    )
    new_keys = keys_in(response)
    assert len(set(new_keys)) == 2
    assert {selectors.user_get_by_api_key(api_key=key) for key in new_keys} == {
        tenant.user,
        second,
    }
    assert selectors.user_get_by_api_key(api_key=second_key) is None


def test_website_change_page_shows_the_tracker_snippet(operator, website, settings):
    response = operator.get(reverse("admin:websites_website_change", args=[website.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert f"data-id=&quot;{website.id}&quot;" in content
    assert f"{settings.TRAILMARK_PUBLIC_URL}/js/tracker.js" in content
    # Shown as text to copy, never as a live script in the admin page.
    assert f'<script defer data-id="{website.id}"' not in content


def test_website_add_page_explains_the_snippet_comes_later(operator):
    content = operator.get(reverse("admin:websites_website_add")).content.decode()
    assert "Save the website to get its snippet." in content
    # No snippet with an id that the website will not have once saved.
    assert "tracker.js" not in content


def test_creating_a_website_through_the_admin(operator, tenant):
    response = operator.post(
        reverse("admin:websites_website_add"),
        {
            "account": str(tenant.account.pk),
            "domain": " Shop.Example.COM. ",
            "content_groups": '[{"name": "Blog", "pattern": "/blog/*"}]',
            "excluded_ips": '["10.0.0.0/8"]',
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content
    website = Website.objects.get(account=tenant.account)
    assert website.domain == "shop.example.com"
    assert website.content_groups == [{"name": "Blog", "pattern": "/blog/*"}]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("domain", "EXAMPLE.com"),  # duplicate in the account, after normalisation
        ("domain", "not a domain"),
        ("content_groups", '[{"name": "Blog"}]'),
        ("excluded_ips", '["nope"]'),
    ],
)
def test_admin_website_form_validates(operator, tenant, website, field, value):
    data = {
        "account": str(tenant.account.pk),
        "domain": "fresh.example",
        "content_groups": "[]",
        "excluded_ips": "[]",
        "_save": "Save",
    }
    data[field] = value
    response = operator.post(reverse("admin:websites_website_add"), data)
    assert response.status_code == 200  # the form again, with its errors; not a 500
    assert response.context["adminform"].form.errors
    assert Website.objects.filter(account=tenant.account).count() == 1


def test_account_autocomplete_for_the_user_and_website_forms(operator, tenant):
    for model in ("user", "website"):
        app = "accounts" if model == "user" else "websites"
        response = operator.get(
            reverse("admin:autocomplete"),
            {"app_label": app, "model_name": model, "field_name": "account", "term": "Tenant"},
        )
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["results"]] == [str(tenant.account.pk)]


def test_deleting_an_account_through_the_admin(operator, tenant, website):
    website_make(account=tenant.account)
    response = operator.post(
        reverse("admin:accounts_account_delete", args=[tenant.account.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(account_id=tenant.account.pk).exists()
    assert not Website.objects.filter(account_id=tenant.account.pk).exists()
