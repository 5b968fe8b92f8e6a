from rest_framework.routers import SimpleRouter

from community.resources.api import views

router = SimpleRouter(trailing_slash=False)
router.register("resources/saved", views.SavedResourceViewSet, basename="resource-saved")
router.register("resources/tags", views.TagViewSet, basename="resource-tag")
router.register("resources", views.ResourceViewSet, basename="resource")

urlpatterns = router.urls
