"""The real URLs plus two views that fail, to see what a client gets from a real 500."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from analytics_site.urls import handler404, handler500
from analytics_site.urls import urlpatterns as real_urlpatterns

SECRET_DETAIL = "database password is hunter2"


class FailingApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        raise RuntimeError(SECRET_DETAIL)


def failing_django_view(request):
    raise RuntimeError(SECRET_DETAIL)


urlpatterns = [
    path("api/v1/test-only/fail", FailingApiView.as_view()),
    path("test-only/fail", failing_django_view),
    *real_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
