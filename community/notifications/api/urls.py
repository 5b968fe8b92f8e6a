from django.urls import path

from community.notifications.api import views

urlpatterns = [
    path(
        "me/notification-preferences",
        views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
]
