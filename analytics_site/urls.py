from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from analytics_site.health import health

api_v1 = [
    path("", include("aggregation.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("websites.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include(api_v1)),
    path("", include("ingest.urls")),
    path("", include("accounts.urls")),
    path("", include("dashboard.urls")),
    path("", include("dashboard.site_urls")),
    path("", include("sharing.urls")),
]

handler400 = "analytics_site.api.views.bad_request"
handler404 = "analytics_site.api.views.not_found"
handler500 = "analytics_site.api.views.server_error"
