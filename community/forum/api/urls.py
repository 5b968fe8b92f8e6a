from django.urls import path
from rest_framework.routers import SimpleRouter

from community.forum.api import views
from community.forum.api.search import SearchView

router = SimpleRouter(trailing_slash=False)
router.register("boards", views.BoardViewSet, basename="board")
router.register("threads", views.ThreadViewSet, basename="thread")
router.register("posts", views.PostViewSet, basename="post")

urlpatterns = [
    path("search", SearchView.as_view(), name="search"),
    path("me/posts", views.WrittenPostsView.as_view(), name="me-posts"),
    *router.urls,
]
