from rest_framework.routers import SimpleRouter

from websites.api.views import WebsiteViewSet

router = SimpleRouter(trailing_slash=False)
router.register("websites", WebsiteViewSet, basename="website")

urlpatterns = router.urls
