from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from analytics_site.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def noop(request):
    """The floor: a Django POST that does nothing, served by the same server as collect."""
    return HttpResponse(status=204)


urlpatterns = [path("bench/noop", noop), *app_urlpatterns]
