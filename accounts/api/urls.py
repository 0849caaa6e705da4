from rest_framework.routers import SimpleRouter

from accounts.api.views import AccountViewSet, UserViewSet

router = SimpleRouter(trailing_slash=False)
router.register("accounts", AccountViewSet, basename="account")
router.register("users", UserViewSet, basename="user")

urlpatterns = router.urls
