"""Every versioned API route, gathered from the apps."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("community.forum.api.urls")),
    path("", include("community.notifications.api.urls")),
    path("", include("community.moderation.api.urls")),
    path("", include("community.moderation.api.flag_urls")),
    path("", include("community.resources.api.urls")),
]
