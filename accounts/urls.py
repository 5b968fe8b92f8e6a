"""The account pages that links in account mail lead to (see ``accounts.views``); their paths
are the defaults of ``HEADLESS_FRONTEND_URLS``."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("verify-email/<str:key>", views.verify_email, name="account-verify-email"),
    path("password/reset", views.password_reset_request, name="account-reset-password"),
    path("signup", views.signup, name="account-signup"),
    path(
        "password/reset/key/<str:key>",
        views.password_reset_from_key,
        name="account-reset-password-from-key",
    ),
]
