from django.urls import include, path

from sharing import views


def _shared_pages(*, embed: bool, suffix: str) -> list:
    """The dashboard's pages under a shared link (their links to each other are relative)."""
    kwargs = {"embed": embed}
    return [
        path("", views.shared_dashboard, kwargs, name=f"shared_dashboard{suffix}"),
        path("breakdowns/<slug:slug>", views.shared_breakdown, kwargs),
        path("breakdowns/<slug:slug>.csv", views.shared_breakdown_csv, kwargs),
        path("panels/<slug:panel_slug>", views.shared_panel, kwargs),
        path("realtime", views.shared_realtime, kwargs),
    ]


urlpatterns = [
    path("sites/<uuid:website_id>/shares/", views.shares_list, name="site_shares"),
    path(
        "sites/<uuid:website_id>/shares/<uuid:share_id>/revoke",
        views.share_revoke,
        name="site_share_revoke",
    ),
    path("share/<str:token>/embed/", include(_shared_pages(embed=True, suffix="_embed"))),
    path("share/<str:token>/", include(_shared_pages(embed=False, suffix=""))),
]
