from django.urls import path

from dashboard import site_views

urlpatterns = [
    path("sites/", site_views.sites_list, name="sites"),
    path("sites/new/", site_views.site_add, name="site_add"),
    path("sites/<uuid:website_id>/settings/", site_views.site_settings, name="site_settings"),
]
