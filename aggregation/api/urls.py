from django.urls import path

from aggregation.api.views import AggregateView

urlpatterns = [path("admin/aggregate", AggregateView.as_view(), name="admin-aggregate")]
