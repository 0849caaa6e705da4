"""The signed-in owner's dashboard of one website: the website through the caller's tenancy
(another account's is a 404 page, never a 403), then the shared pages of `dashboard.pages`."""

from functools import wraps
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.sessions import sign_in_required
from dashboard import pages
from websites.models import Website


def owned_website_view(view):
    """GET only, signed in, and the website one of the caller's: `view(request, website, …)`."""

    @require_GET
    @sign_in_required
    @wraps(view)
    def website_view(request: HttpRequest, website_id: UUID, **kwargs) -> HttpResponse:
        website = Website.objects.for_user(request.account_user).filter(pk=website_id).first()
        if website is None:
            return pages.problem_page(request, status=404, message="No such website.", mode="owner")
        return view(request, website, **kwargs)

    return website_view


@owned_website_view
def site_dashboard(request: HttpRequest, website: Website) -> HttpResponse:
    return pages.dashboard_page(request, website=website, mode="owner")


@owned_website_view
def site_panel(request: HttpRequest, website: Website, panel: str) -> HttpResponse:
    return pages.panel_fragment(request, website=website, panel_slug=panel, mode="owner")


@owned_website_view
def site_breakdown(request: HttpRequest, website: Website, slug: str) -> HttpResponse:
    return pages.breakdown_page(request, website=website, slug=slug, mode="owner")


@owned_website_view
def site_breakdown_csv(request: HttpRequest, website: Website, slug: str) -> HttpResponse:
    return pages.breakdown_csv(request, website=website, slug=slug, mode="owner")


@owned_website_view
def site_realtime(request: HttpRequest, website: Website) -> HttpResponse:
    return pages.realtime_fragment(request, website=website, mode="owner")
