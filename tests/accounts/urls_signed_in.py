"""The real URLs plus one page behind `sign_in_required`, to see what the decorator lets through
(the product's own pages belong to the dashboard)."""

from django.http import HttpResponse
from django.urls import path

from accounts.sessions import sign_in_required
from analytics_site.urls import handler404, handler500
from analytics_site.urls import urlpatterns as real_urlpatterns


@sign_in_required
def whoami(request):
    return HttpResponse(f"{request.account_user.email} {request.account_user.role}")


urlpatterns = [path("test-only/whoami", whoami), *real_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
