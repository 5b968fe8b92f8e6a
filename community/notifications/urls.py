from django.urls import path

from community.notifications import views

urlpatterns = [
    path("unsubscribe/<str:token>", views.unsubscribe, name="email-unsubscribe"),
]
