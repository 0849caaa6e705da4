"""The signed-in owner's dashboard of one website: the website through the caller's tenancy
(another account's is a 404 page, never a 403), then the shared pages of `dashboard.pages`."""

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.sessions import sign_in_required
from dashboard import pages
from websites.models import Website
from websites.selectors import website_list


def site_owner_page(methods: list[str]):
    """Signed in, one of `methods`, and the website one of the caller's (another account's, or
    none: the 404 page, never a 403): `view(request, website, …)`."""

    def decorator(view):
        @sign_in_required
        @require_http_methods(methods)
        @wraps(view)
        def website_view(request: HttpRequest, website_id, **kwargs) -> HttpResponse:
            website = website_list(user=request.account_user).filter(pk=website_id).first()
            if website is None:
                return pages.problem_page(
                    request, status=404, message="No such website.", mode="owner"
                )
            return view(request, website, **kwargs)

        return website_view

    return decorator


# The dashboard's pages only read.
owned_website_view = site_owner_page(["GET"])


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
