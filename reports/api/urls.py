from django.urls import path
from rest_framework.routers import SimpleRouter

from reports.api.query import QuerySchemaView, QueryView
from reports.api.views import REPORT_VIEWSETS

router = SimpleRouter(trailing_slash=False)
for viewset in REPORT_VIEWSETS:
    router.register(
        f"reports/{viewset.report_name}", viewset, basename=f"report-{viewset.report_name}"
    )

urlpatterns = [
    path("query", QueryView.as_view(), name="query"),
    path("query/schema", QuerySchemaView.as_view(), name="query-schema"),
    *router.urls,
]
