"""Tenancy: a `user` key of account B never reaches account A's objects, on any API route.

The walker reads the URL resolver, so a route added later is covered without touching this file;
a route whose path parameters it cannot fill makes it fail loudly rather than skip the route.
"""

import json
import uuid
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.regex_helper import normalize

from accounts.models import Account, User
from tests.factories import website_make
from websites.models import Website

API_PREFIX = "api/v1/"
# Public, unauthenticated routes: nothing of a tenant's to protect there.
PUBLIC_ROUTES = {"api/v1/collect"}
# Routes only an admin key may use: a `user` key gets 403 whatever it asks for.
ADMIN_ONLY_PREFIXES = ("api/v1/accounts", "api/v1/users", "api/v1/admin/")
ALL_METHODS = ["get", "post", "put", "patch", "delete"]


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "api/v1/websites/%(pk)s"
    params: tuple[str, ...]
    methods: tuple[str, ...]
    model: type | None

    @property
    def admin_only(self) -> bool:
        return self.template.startswith(ADMIN_ONLY_PREFIXES)


def _callback_methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)  # DRF viewsets: {"get": "list", ...}
    if actions:
        methods = set(actions)
    else:
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is None:  # a plain function view: try everything
            methods = set(ALL_METHODS)
        else:
            methods = {method for method in ALL_METHODS if hasattr(view_class, method)}
    return tuple(method for method in ALL_METHODS if method in methods)


def _callback_model(callback):
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    model = getattr(view_class, "model", None)
    queryset = getattr(view_class, "queryset", None)
    return model or getattr(queryset, "model", None)


def api_routes() -> list[Route]:
    """Every registered route under /api/v1/, however deeply included."""
    found: list[Route] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            regex = prefix + pattern.pattern.regex.pattern.removeprefix("^")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, regex)
            elif isinstance(pattern, URLPattern):
                [(template, params), *_] = normalize(regex)
                if not template.startswith(API_PREFIX) or template in PUBLIC_ROUTES:
                    continue
                found.append(
                    Route(
                        template=template,
                        params=tuple(params),
                        methods=_callback_methods(pattern.callback),
                        model=_callback_model(pattern.callback),
                    )
                )

    walk(get_resolver().url_patterns, "")
    return found


@dataclass
class Victim:
    """Account A and everything it owns."""

    account: Account
    user: User
    websites: list[Website]

    @property
    def ids(self) -> set[str]:
        return {str(self.account.id), str(self.user.id)} | {str(w.id) for w in self.websites}

    def snapshot(self) -> dict:
        return {
            "account": list(Account.objects.filter(pk=self.account.pk).values()),
            "users": list(User.objects.filter(account=self.account).values()),
            "websites": list(Website.objects.filter(account=self.account).values()),
        }


@pytest.fixture
def victim(tenant, website) -> Victim:
    second = website_make(
        account=tenant.account,
        content_groups=[{"name": "Blog", "pattern": "/blog/*"}],
        excluded_ips=["10.0.0.0/8"],
    )
    return Victim(account=tenant.account, user=tenant.user, websites=[website, second])


@pytest.fixture
def attacker(other_tenant):
    """A `user` key of account B, which owns a website of its own."""
    website_make(account=other_tenant.account, domain="b.example")
    return other_tenant


def concrete_path(route: Route, victim: Victim) -> str:
    """The route's URL with each path parameter set to one of A's objects."""
    by_model = {Account: victim.account.id, User: victim.user.id, Website: victim.websites[0].id}
    by_name = {
        "account_id": victim.account.id,
        "account_pk": victim.account.id,
        "user_id": victim.user.id,
        "user_pk": victim.user.id,
        "website_id": victim.websites[0].id,
        "website_pk": victim.websites[0].id,
    }
    values = {}
    for param in route.params:
        if param in by_name:
            values[param] = by_name[param]
        elif param in ("pk", "id") and route.model in by_model:
            values[param] = by_model[route.model]
        else:
            pytest.fail(f"The tenancy walker cannot fill {param!r} in {route.template}: teach it.")
    return "/" + route.template % {key: str(value) for key, value in values.items()}


def hostile_query(victim: Victim) -> dict:
    """Query parameters valid for every route (reports need a funnel's steps and a filter
    values' dimension, for two): a tenancy hole must not hide behind a 400."""
    return {
        "website_id": str(victim.websites[0].id),
        "account_id": str(victim.account.id),
        "steps[]": ["/", "/blog"],
        "dimension": "event:page",
    }


def hostile_body(victim: Victim) -> dict:
    """A valid body for every writable route: a tenancy hole must not hide behind a 400."""
    return {
        "domain": "hijacked.example",
        "name": "hijacked",
        "role": "admin",
        "date": "2026-01-01",
        "website_id": str(victim.websites[0].id),
        "account_id": str(victim.account.id),
        "content_groups": [],
        "excluded_ips": [],
    }


def send(client, method: str, path: str, victim: Victim):
    if method == "get":
        return client.get(path, hostile_query(victim))
    return getattr(client, method)(path, hostile_body(victim), format="json")


def error_code(response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def test_walker_sees_the_known_routes():
    templates = {route.template: route for route in api_routes()}
    expected = {
        "api/v1/accounts": ("get", "post"),
        "api/v1/accounts/%(pk)s": ("delete",),
        "api/v1/users": ("get", "post"),
        "api/v1/users/%(pk)s": ("delete",),
        "api/v1/users/%(pk)s/api-key": ("get",),
        "api/v1/websites": ("get", "post"),
        "api/v1/websites/%(pk)s": ("patch", "delete"),
    }
    for template, methods in expected.items():
        assert template in templates, sorted(templates)
        assert set(methods) <= set(templates[template].methods), template
    assert not any(template.startswith("api/v1/collect") for template in templates)


def test_walker_points_at_the_victims_real_objects(victim):
    for route in api_routes():
        if not route.params:
            continue
        path = concrete_path(route, victim)
        kwargs = resolve(path).kwargs
        for param, value in kwargs.items():
            assert value in victim.ids, (route.template, param)


def test_every_api_route_refuses_another_accounts_key(victim, attacker, settings):
    settings.TRAILMARK_API_RATE = "100000/60s"
    before = victim.snapshot()
    routes = api_routes()
    failures = []
    checked = 0

    for route in routes:
        path = concrete_path(route, victim)
        for method in route.methods:
            response = send(attacker.client, method, path, victim)
            checked += 1
            status, code = response.status_code, error_code(response)
            where = f"{method.upper()} {path} -> {status} {response.content[:200]!r}"

            if route.admin_only:
                ok = (status, code) == (403, "FORBIDDEN")
            elif route.params:
                # An object of another account does not exist, as far as B can tell.
                ok = (status, code) == (404, "NOT_FOUND")
            elif method == "get":
                # A collection: B's own rows only, or 404 when it is asked about A's website.
                ok = status == 200 or (status, code) == (404, "NOT_FOUND")
                if status == 200:
                    body = response.content.decode()
                    leaked = [value for value in victim.ids if value in body]
                    ok = ok and not leaked
            else:
                # Writing into A through a collection route (e.g. account_id of A).
                ok = status in (400, 403, 404)
            if not ok:
                failures.append(where)

            assert victim.snapshot() == before, f"{where} changed account A's data"

    assert checked >= 9
    assert not failures, "\n".join(failures)


def test_tenant_detail_404_is_indistinguishable_from_a_missing_object(victim, attacker):
    for route in api_routes():
        if route.admin_only or not route.params:
            continue
        real = concrete_path(route, victim)
        missing = real
        for value in victim.ids:
            missing = missing.replace(value, str(uuid.uuid4()))
        assert missing != real
        for method in route.methods:
            theirs = send(attacker.client, method, real, victim)
            nothing = send(attacker.client, method, missing, victim)
            assert theirs.status_code == nothing.status_code == 404
            assert json.loads(theirs.content) == json.loads(nothing.content)


def test_owner_reaches_its_own_objects(victim, tenant):
    """The control: with A's own key the same website routes do answer."""
    website = victim.websites[0]
    response = tenant.client.patch(
        f"/api/v1/websites/{website.id}", {"excluded_ips": ["10.9.9.9"]}, format="json"
    )
    assert response.status_code == 200
    ids = {item["id"] for item in tenant.client.get("/api/v1/websites").json()["data"]}
    assert ids == {str(w.id) for w in victim.websites}


def test_list_endpoints_never_show_another_accounts_rows(victim, attacker):
    for route in api_routes():
        if route.params or "get" not in route.methods or route.admin_only:
            continue
        path = "/" + route.template
        response = attacker.client.get(path)
        assert response.status_code in (200, 400, 404), path
        body = response.content.decode()
        for value in victim.ids:
            assert value not in body, f"{path} shows {value} of account A"

    websites = attacker.client.get("/api/v1/websites").json()["data"]
    assert [item["domain"] for item in websites] == ["b.example"]
    assert {item["accountId"] for item in websites} == {str(attacker.account.id)}


def test_admin_sees_every_account(victim, attacker, admin):
    ids = {item["id"] for item in admin.client.get("/api/v1/websites").json()["data"]}
    assert {str(w.id) for w in victim.websites} <= ids
    assert len(ids) == 3
    accounts = {item["id"] for item in admin.client.get("/api/v1/accounts").json()["data"]}
    assert {str(victim.account.id), str(attacker.account.id)} <= accounts


def test_user_cannot_move_a_website_into_another_account(victim, attacker):
    website = victim.websites[0]
    response = attacker.client.post(
        "/api/v1/websites",
        {"domain": "planted.example", "account_id": str(victim.account.id)},
        format="json",
    )
    assert response.status_code == 403
    assert not Website.objects.filter(domain="planted.example").exists()
    # Nor can it take A's website over by PATCHing its account_id.
    response = attacker.client.patch(
        f"/api/v1/websites/{website.id}", {"account_id": str(attacker.account.id)}, format="json"
    )
    assert response.status_code == 404
    website.refresh_from_db()
    assert website.account_id == victim.account.id
