"""Operators see shared links in the admin and revoke them; owners create them on their pages."""

import pytest

from sharing.models import SharedLink
from sharing.services import shared_link_create


@pytest.fixture
def operator(client, django_user_model):
    django_user_model.objects.create_superuser("ops", password="s3cret-pass")
    assert client.login(username="ops", password="s3cret-pass")
    return client


def test_operators_list_and_revoke_links_but_never_see_tokens_or_hashes(operator, website):
    link = shared_link_create(website=website, label="Board", password="board pass")
    listing = operator.get("/admin/sharing/sharedlink/")
    assert listing.status_code == 200
    assert "Board" in listing.content.decode()
    detail = operator.get(f"/admin/sharing/sharedlink/{link.pk}/change/").content.decode()
    for secret in (link.token, link.password):
        assert secret not in listing.content.decode() and secret not in detail
    assert operator.get("/admin/sharing/sharedlink/add/").status_code == 403
    response = operator.post(
        "/admin/sharing/sharedlink/",
        {"action": "revoke", "_selected_action": [str(link.pk)]},
    )
    assert response.status_code == 302
    assert SharedLink.objects.get().revoked_at is not None
