from django.urls import path

from sharing import views

urlpatterns = [
    path("sites/<uuid:website_id>/shares/", views.shares_list, name="site_shares"),
    path(
        "sites/<uuid:website_id>/shares/<uuid:share_id>/revoke",
        views.share_revoke,
        name="site_share_revoke",
    ),
    path("share/<str:token>", views.shared_dashboard, name="shared_dashboard"),
]
