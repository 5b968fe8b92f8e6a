"""Routes of members' flags and the moderators' flag queue."""

from rest_framework.routers import SimpleRouter

from community.moderation.api import flag_views

router = SimpleRouter(trailing_slash=False)
# POST /posts/{id}/flags (the forum's own routes for posts are left untouched).
router.register("posts", flag_views.PostFlagViewSet, basename="post-flag")
# GET /moderation/flags
router.register("moderation/flags", flag_views.FlagQueueViewSet, basename="moderation-flag")
# POST /moderation/posts/{id}/flags/resolve
router.register(
    "moderation/posts", flag_views.PostFlagResolveViewSet, basename="moderation-post-flag"
)

urlpatterns = router.urls
