from rest_framework.routers import SimpleRouter

from community.forum.api import views

router = SimpleRouter(trailing_slash=False)
router.register("boards", views.BoardViewSet, basename="board")
router.register("threads", views.ThreadViewSet, basename="thread")
router.register("posts", views.PostViewSet, basename="post")

urlpatterns = router.urls
