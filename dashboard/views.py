"""The signed-in owner's dashboard of one website: the website through the caller's tenancy
(another account's is a 404, never a 403), then the shared pages of `dashboard.pages`."""

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.sessions import sign_in_required
from dashboard import pages
from websites.models import Website


def _website(request: HttpRequest, website_id: UUID) -> Website:
    website = Website.objects.for_user(request.account_user).filter(pk=website_id).first()
    if website is None:
        raise Http404("Website not found.")
    return website


@require_GET
@sign_in_required
def site_dashboard(request: HttpRequest, website_id: UUID) -> HttpResponse:
    return pages.dashboard_page(request, website=_website(request, website_id), mode="owner")


@require_GET
@sign_in_required
def site_breakdown(request: HttpRequest, website_id: UUID, slug: str) -> HttpResponse:
    website = _website(request, website_id)
    return pages.breakdown_page(request, website=website, slug=slug, mode="owner")


@require_GET
@sign_in_required
def site_breakdown_csv(request: HttpRequest, website_id: UUID, slug: str) -> HttpResponse:
    website = _website(request, website_id)
    return pages.breakdown_csv(request, website=website, slug=slug, mode="owner")


@require_GET
@sign_in_required
def site_realtime(request: HttpRequest, website_id: UUID) -> HttpResponse:
    return pages.realtime_fragment(request, website=_website(request, website_id), mode="owner")


@require_GET
@sign_in_required
def site_panel(request: HttpRequest, website_id: UUID, panel: str) -> HttpResponse:
    website = _website(request, website_id)
    return pages.panel_fragment(request, website=website, panel_slug=panel, mode="owner")
