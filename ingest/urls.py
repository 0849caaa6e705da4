"""Public, unauthenticated routes: event collection and the tracker script."""

from django.urls import path

from ingest.api.views import collect
from ingest.tracker import tracker_js

urlpatterns = [
    path("api/v1/collect", collect, name="collect"),
    path("js/tracker.js", tracker_js, name="tracker-js"),
]
