from django.urls import path
from rest_framework.routers import SimpleRouter

from community.notifications.api import views

router = SimpleRouter(trailing_slash=False)
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    *router.urls,
    path(
        "me/notification-preferences",
        views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
]
