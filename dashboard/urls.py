from django.urls import path

from dashboard import views

urlpatterns = [
    path("sites/<uuid:website_id>/", views.site_dashboard, name="site-dashboard"),
    path(
        "sites/<uuid:website_id>/breakdowns/<slug:slug>",
        views.site_breakdown,
        name="site-breakdown",
    ),
    path(
        "sites/<uuid:website_id>/breakdowns/<slug:slug>.csv",
        views.site_breakdown_csv,
        name="site-breakdown-csv",
    ),
    path("sites/<uuid:website_id>/panels/<slug:panel>", views.site_panel, name="site-panel"),
    path("sites/<uuid:website_id>/realtime", views.site_realtime, name="site-realtime"),
]
