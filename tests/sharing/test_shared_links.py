"""Shared links: created, listed and revoked by the site's owner; opened by anyone holding one,
behind its password if it has one."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from sharing.models import SharedLink
from sharing.selectors import shared_link_by_token
from sharing.services import shared_link_create, shared_link_revoke
from tests.factories import signed_in_client
from websites.services import website_delete

# The throttle counts in fixed windows: the clock stands still in each test (ratelimit_clock).
pytestmark = pytest.mark.usefixtures("ratelimit_clock")

COUNTRY_DE = [["is", "visit:country", ["DE"]]]


def test_a_link_gets_an_unguessable_token_a_hashed_password_and_normalised_filters(website):
    link = shared_link_create(
        website=website, label="Team", password="hunter2 hunter2", filters=COUNTRY_DE
    )
    other = shared_link_create(website=website)
    assert len(link.token) == 43 and link.token != other.token
    assert link.password.startswith("md5$") and "hunter2" not in link.password  # test hasher
    assert link.filters == [["is", "visit:country", ["DE"], {"case_sensitive": True}]]
    assert (other.password, other.filters, other.has_password) == ("", [], False)


@pytest.mark.parametrize(
    "filters",
    [
        {"is": "x"},
        [["is", "visit:nowhere", ["x"]]],
        [["like", "visit:country", ["DE"]]],
        [["is", "visit:country", "DE"]],
        [["matches", "event:page", ["("]]],
    ],
)
def test_filters_the_query_engine_refuses_are_refused(website, filters):
    with pytest.raises(ValidationError) as error:
        shared_link_create(website=website, filters=filters)
    assert "filters" in error.value.message_dict
    assert not SharedLink.objects.exists()


def test_a_revoked_link_or_a_deleted_sites_link_is_not_found(website):
    link = shared_link_create(website=website)
    assert shared_link_by_token(token=link.token) == link
    shared_link_revoke(shared_link=link)
    assert shared_link_by_token(token=link.token) is None
    kept = shared_link_create(website=website)
    website_delete(website=website)
    assert shared_link_by_token(token=kept.token) is None


def test_the_owner_creates_lists_and_revokes_links(tenant, website):
    client = signed_in_client(tenant.user)
    url = f"/sites/{website.pk}/shares/"
    assert "No shared links yet." in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "label": "Board",
            "password": "board pass",
            "filters": '[["is", "visit:country", ["DE"]]]',
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    link = SharedLink.objects.get()
    assert (link.website, link.label, link.has_password) == (website, "Board", True)
    html = client.get(url).content.decode()
    assert f"http://testserver/share/{link.token}/" in html
    assert "Link created" in html

    response = client.post(f"/sites/{website.pk}/shares/{link.pk}/revoke")
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.token not in client.get(url).content.decode()
    assert Client().get(f"/share/{link.token}/").status_code == 404


def test_the_create_form_takes_the_dashboards_filters(tenant, website):
    html = (
        signed_in_client(tenant.user)
        .get(f"/sites/{website.pk}/shares/", {"filters": '[["is","visit:country",["DE"]]]'})
        .content.decode()
    )
    assert "visit:country" in html
    # Not JSON: the field is left empty rather than failing.
    for bad in ["[oops", "[" * 3000]:
        page = signed_in_client(tenant.user).get(f"/sites/{website.pk}/shares/", {"filters": bad})
        assert page.status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"filters": "[oops"}, "filters"),
        ({"filters": "[" * 5000}, "filters"),
        ({"filters": "[" * 100 + "]" * 100}, "filters"),
        ({"filters": '[["is", "visit:nowhere", ["x"]]]'}, "filters"),
        ({"label": "x" * 101}, "label"),
        ({"label": "a\x00b"}, "label"),
    ],
)
def test_the_create_form_refuses_bad_input(tenant, website, data, field):
    response = signed_in_client(tenant.user).post(f"/sites/{website.pk}/shares/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not SharedLink.objects.exists()


def test_another_accounts_shared_links_are_not_found(other_tenant, website):
    link = shared_link_create(website=website, label="Private")
    client = signed_in_client(other_tenant.user)
    assert client.get(f"/sites/{website.pk}/shares/").status_code == 404
    assert client.post(f"/sites/{website.pk}/shares/", {"label": "mine"}).status_code == 404
    assert client.post(f"/sites/{website.pk}/shares/{link.pk}/revoke").status_code == 404
    assert SharedLink.objects.get().revoked_at is None and SharedLink.objects.count() == 1


def test_a_link_is_revoked_only_under_its_own_site(tenant, website):
    from tests.factories import website_make

    link = shared_link_create(website=website)
    sibling = website_make(account=tenant.account)
    client = signed_in_client(tenant.user)
    assert client.post(f"/sites/{sibling.pk}/shares/{link.pk}/revoke").status_code == 404
    assert client.get(f"/sites/{website.pk}/shares/{link.pk}/revoke").status_code == 405


def test_management_pages_need_sign_in_and_csrf(tenant, website):
    link = shared_link_create(website=website)
    url = f"/sites/{website.pk}/shares/"
    assert Client().get(url)["Location"].startswith("/login?next=")
    assert Client().post(f"{url}{link.pk}/revoke")["Location"].startswith("/login?next=")
    client = signed_in_client(tenant.user, enforce_csrf_checks=True)
    assert client.post(url, {"label": "x"}).status_code == 403
    assert client.post(f"{url}{link.pk}/revoke").status_code == 403
    assert SharedLink.objects.active().count() == 1


def test_an_unknown_or_malformed_token_is_not_found(db):
    for token in ["nope", "x" * 43, "%00", "a" * 5000]:
        page = Client().get(f"/share/{token}/")
        assert page.status_code == 404
        assert "No such link" in page.content.decode()


def test_a_password_link_asks_for_its_password(website):
    link = shared_link_create(website=website, password="open sesame")
    client = Client()
    page = client.get(f"/share/{link.token}/")
    assert page.status_code == 200
    assert 'type="password"' in page.content.decode()
    wrong = client.post(f"/share/{link.token}/", {"password": "open sesam"})
    assert wrong.status_code == 401
    assert "not this link" in wrong.content.decode()
    assert client.post(f"/share/{link.token}/", {"password": ""}).status_code == 401
    right = client.post(f"/share/{link.token}/", {"password": "open sesame"})
    assert right.status_code == 302 and right["Location"] == f"/share/{link.token}/"


def test_the_password_is_remembered_for_that_link_only(website):
    first = shared_link_create(website=website, password="first one")
    second = shared_link_create(website=website, password="first one")
    client = Client()
    client.post(f"/share/{first.token}/", {"password": "first one"})
    assert 'type="password"' not in _page(client, first)
    assert 'type="password"' in _page(client, second)
    assert 'type="password"' in _page(Client(), first)  # another browser


def _page(client: Client, link: SharedLink) -> str:
    return client.get(f"/share/{link.token}/").content.decode()


def test_wrong_passwords_are_throttled_per_client(website, settings):
    settings.TRAILMARK_SHARE_PASSWORD_RATE = "3/10m"
    link = shared_link_create(website=website, password="right one")
    client = Client()
    for _ in range(3):
        assert client.post(f"/share/{link.token}/", {"password": "wrong"}).status_code == 401
    refused = client.post(f"/share/{link.token}/", {"password": "right one"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many wrong passwords" in refused.content.decode()
    assert client.get(f"/share/{link.token}/").status_code == 429
    other = Client(REMOTE_ADDR="198.51.100.7")  # another client is not held back
    assert other.post(f"/share/{link.token}/", {"password": "right one"}).status_code == 302


def test_the_password_form_needs_its_csrf_token(website):
    link = shared_link_create(website=website, password="open sesame")
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/share/{link.token}/", {"password": "open sesame"}).status_code == 403
    html = client.get(f"/share/{link.token}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = {"password": "open sesame", "csrfmiddlewaretoken": token}
    assert client.post(f"/share/{link.token}/", data).status_code == 302
