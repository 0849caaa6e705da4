from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aggregation import services
from aggregation.api.serializers import AggregateInputSerializer, AggregateOutputSerializer
from analytics_site.api.permissions import IsAdminRole


class AggregateView(APIView):
    """POST /api/v1/admin/aggregate: aggregates one day now, for every website with events."""

    permission_classes = [IsAuthenticated, IsAdminRole]

    @extend_schema(request=AggregateInputSerializer, responses={200: AggregateOutputSerializer})
    def post(self, request):
        payload = AggregateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        day = payload.target_day()
        services.day_aggregate_websites(day=day)
        return Response({"message": f"Aggregation completed for {day.isoformat()}"})
