from rest_framework.routers import SimpleRouter

from community.moderation.api import views

router = SimpleRouter(trailing_slash=False)
router.register("moderation/queue", views.QueueViewSet, basename="moderation-queue")
router.register("moderation/actions", views.ActionViewSet, basename="moderation-action")
router.register("moderation/posts", views.PostModerationViewSet, basename="moderation-post")
router.register("moderation/threads", views.ThreadModerationViewSet, basename="moderation-thread")
router.register("moderation/members", views.MemberModerationViewSet, basename="moderation-member")

urlpatterns = router.urls
