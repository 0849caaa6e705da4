"""Shared links: the owner's management page under the site (signed in, tenancy-scoped), and the
public pages under `/share/<token>/` that anyone holding the link opens without signing in."""

import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from analytics_site.net import request_client_key
from analytics_site.ratelimit import rate_limit_hit, rate_limit_peek
from dashboard import pages
from dashboard.selectors import DIMENSION_LABELS
from dashboard.views import site_owner_page
from sharing import selectors, services
from sharing.forms import SharedLinkForm, SharedLinkPasswordForm
from sharing.models import SharedLink
from websites.models import Website

PASSWORD_FAILURES_GROUP = "share-password-failures"
# The ids of the password-protected links this session has opened.
SESSION_UNLOCKED_KEY = "_shared_links_unlocked"


@site_owner_page(["GET", "POST"])
def shares_list(request: HttpRequest, website: Website) -> HttpResponse:
    form = SharedLinkForm(request.POST or None, initial=_initial_filters(request))
    if form.is_valid():
        try:
            shared_link = services.shared_link_create(website=website, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Link created: {_share_url(request, shared_link)}")
            return redirect("site_shares", website_id=website.pk)
    links = [
        {
            "link": link,
            "url": _share_url(request, link),
            "embed_url": None if link.has_password else _share_url(request, link, embed=True),
            "locked": selectors.shared_link_locked_filters(shared_link=link),
        }
        for link in selectors.shared_link_list(website=website)
    ]
    context = {
        "website": website,
        "form": form,
        "links": links,
        "dimension_labels": DIMENSION_LABELS,
    }
    return render(request, "sharing/list.html", context)


@site_owner_page(["POST"])
def share_revoke(request: HttpRequest, website: Website, share_id) -> HttpResponse:
    shared_link = selectors.shared_link_list(website=website).filter(pk=share_id).first()
    if shared_link is None:
        return pages.problem_page(request, status=404, message="No such link.", mode="owner")
    services.shared_link_revoke(shared_link=shared_link)
    messages.success(request, f"“{shared_link}” is revoked: its link no longer opens anything.")
    return redirect("site_shares", website_id=website.pk)


def shared_link_page(page):
    """A page of `dashboard.pages` opened through a shared link: the link's website with its
    locked filters, after its password (any page of the link asks for it, then comes back).

    Embed pages (`…/embed/…`) have no header and may be framed by any site (exempt from
    X-Frame-Options); the links between them stay under the embed prefix, as they are relative.
    """

    @require_http_methods(["GET", "POST"])
    @wraps(page)
    def view(request: HttpRequest, token: str, embed: bool, **kwargs) -> HttpResponse:
        shared_link = selectors.shared_link_by_token(token=token)
        if shared_link is None:
            message = "No such link: it may have been revoked."
            return pages.problem_page(request, status=404, message=message, mode="shared")
        if not embed and request.GET.get("embed") == "1":
            return _embed_redirect(request, token)
        if shared_link.has_password and not _unlocked(request, shared_link):
            return _embed_protected(request) if embed else _password_gate(request, shared_link)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        response = page(
            request,
            website=shared_link.website,
            locked=selectors.shared_link_locked_filters(shared_link=shared_link),
            mode="embed" if embed else "shared",
            **kwargs,
        )
        if embed:
            response.xframe_options_exempt = True
        return response

    return view


shared_dashboard = shared_link_page(pages.dashboard_page)
shared_breakdown = shared_link_page(pages.breakdown_page)
shared_breakdown_csv = shared_link_page(pages.breakdown_csv)
shared_panel = shared_link_page(pages.panel_fragment)
shared_realtime = shared_link_page(pages.realtime_fragment)


def _embed_redirect(request: HttpRequest, token: str) -> HttpResponse:
    """`/share/<token>/…?embed=1` is the same page under `/share/<token>/embed/`, where the
    pages' relative links keep it embedded."""
    params = request.GET.copy()
    del params["embed"]
    rest = request.path.removeprefix(reverse("shared_dashboard", args=[token]))
    query = f"?{params.urlencode()}" if params else ""
    response = redirect(f"{reverse('shared_dashboard_embed', args=[token])}{rest}{query}")
    response.xframe_options_exempt = True
    return response


def _embed_protected(request: HttpRequest) -> HttpResponse:
    """A frame cannot take a password: browsers send a cross-site frame no session (SameSite
    cookies), so the frame says so and links to the link's own page."""
    response = render(request, "sharing/embed_protected.html", {"open_href": "../"}, status=401)
    response.xframe_options_exempt = True
    return response


def _password_gate(request: HttpRequest, shared_link: SharedLink) -> HttpResponse:
    """The password form; a right password opens the link for this session. Wrong passwords are
    counted per client (its keyed hash, never its address): past the rate, 429 until the window
    ends, whatever password is sent."""
    client = request_client_key(request)
    rate = settings.TRAILMARK_SHARE_PASSWORD_RATE
    form = SharedLinkPasswordForm(request.POST if request.method == "POST" else None)
    usage = rate_limit_peek(request, group=PASSWORD_FAILURES_GROUP, key=client, rate=rate)
    if usage is not None and usage.remaining == 0:
        response = render(
            request,
            "sharing/password.html",
            {"form": None, "retry_after": usage.reset_seconds},
            status=429,
        )
        response["Retry-After"] = str(usage.reset_seconds)
        return response
    if form.is_valid():
        if services.shared_link_password_check(
            shared_link=shared_link, password=form.cleaned_data["password"]
        ):
            unlocked = request.session.get(SESSION_UNLOCKED_KEY, [])
            request.session.cycle_key()  # a new key for what the session may now open
            request.session[SESSION_UNLOCKED_KEY] = [*unlocked, str(shared_link.pk)]
            return redirect(request.get_full_path())
        rate_limit_hit(request, group=PASSWORD_FAILURES_GROUP, key=client, rate=rate)
        form.add_error("password", "That is not this link's password.")
    status = 401 if form.is_bound else 200
    return render(request, "sharing/password.html", {"form": form}, status=status)


def _unlocked(request: HttpRequest, shared_link: SharedLink) -> bool:
    return str(shared_link.pk) in request.session.get(SESSION_UNLOCKED_KEY, [])


def _share_url(request: HttpRequest, shared_link: SharedLink, *, embed: bool = False) -> str:
    name = "shared_dashboard_embed" if embed else "shared_dashboard"
    return request.build_absolute_uri(reverse(name, args=[shared_link.token]))


def _initial_filters(request: HttpRequest) -> dict:
    """The dashboard's "share this view" passes its current `filters` to lock them in."""
    try:
        return {"filters": json.loads(request.GET.get("filters", ""))}
    except (ValueError, RecursionError):  # RecursionError: nested past Python's stack
        return {}
