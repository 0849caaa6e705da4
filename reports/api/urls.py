from rest_framework.routers import SimpleRouter

from reports.api.views import REPORT_VIEWSETS

router = SimpleRouter(trailing_slash=False)
for viewset in REPORT_VIEWSETS:
    router.register(
        f"reports/{viewset.report_name}", viewset, basename=f"report-{viewset.report_name}"
    )

urlpatterns = router.urls
