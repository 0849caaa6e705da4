"""The sign-in pages, at the site's root (base.html links them by these names)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
    path("password/change", views.password_change, name="password_change"),
    path("password/change/done", views.password_change_done, name="password_change_done"),
    path("password/reset", views.password_reset, name="password_reset"),
    path("password/reset/sent", views.password_reset_done, name="password_reset_done"),
    path("password/reset/done", views.password_reset_complete, name="password_reset_complete"),
    path(
        "password/reset/<uidb64>/<token>",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
]
