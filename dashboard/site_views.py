"""The signed-in owner's pages about their websites: the list, adding one, its settings.

Tenancy goes through `website_list(user=…)`: another account's website is the 404 page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.sessions import sign_in_required
from dashboard.site_forms import WebsiteAddForm, WebsiteSettingsForm
from dashboard.site_selectors import site_summary
from dashboard.views import site_owner_page
from websites import services
from websites.models import Website
from websites.selectors import website_list, website_tracker_snippet

SPARKLINE_WIDTH, SPARKLINE_HEIGHT = 120, 32


@sign_in_required
@require_http_methods(["GET"])
def sites_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for website in website_list(user=request.account_user):
        summary = site_summary(website=website)
        rows.append({"summary": summary, "sparkline": _sparkline(summary.days)})
    return render(request, "dashboard/sites/list.html", {"rows": rows})


@sign_in_required
@require_http_methods(["GET", "POST"])
def site_add(request: HttpRequest) -> HttpResponse:
    form = WebsiteAddForm(request.POST or None)
    if form.is_valid():
        try:
            website = services.website_create(
                account=request.account_user.account, **form.cleaned_data
            )
        except ValidationError as error:  # the domain is already in the account
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{website.domain} is added: put its snippet on every page of the site."
            )
            return redirect("site_settings", website_id=website.pk)
    return render(request, "dashboard/sites/add.html", {"form": form})


@site_owner_page(["GET", "POST"])
def site_settings(request: HttpRequest, website: Website) -> HttpResponse:
    form = WebsiteSettingsForm.for_website(website, data=request.POST or None)
    if form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        try:
            if changes:
                services.website_update(website=website, **changes)
        except ValidationError as error:  # the new domain is already in the account
            form.add_error(None, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("site_settings", website_id=website.pk)
    context = {
        "website": website,
        "form": form,
        "snippet": website_tracker_snippet(website=website),
    }
    return render(request, "dashboard/sites/settings.html", context)


def _sparkline(days: list[tuple[str, int]]) -> dict:
    """The SVG polyline of a series of daily visitors, scaled to its own peak."""
    peak = max((visitors for _, visitors in days), default=0)
    step = SPARKLINE_WIDTH / max(len(days) - 1, 1)
    scale = (SPARKLINE_HEIGHT - 4) / (peak or 1)  # 2 px of margin for the line's width
    points = " ".join(
        f"{index * step:.1f},{SPARKLINE_HEIGHT - 2 - visitors * scale:.1f}"
        for index, (_, visitors) in enumerate(days)
    )
    return {"points": points, "peak": peak, "width": SPARKLINE_WIDTH, "height": SPARKLINE_HEIGHT}
