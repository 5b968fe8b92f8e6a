from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter(trailing_slash=False)
router.register("members", views.MemberViewSet, basename="member")

urlpatterns = [
    path("me", views.MeView.as_view(), name="me"),
    *router.urls,
]
