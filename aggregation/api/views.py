from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aggregation import services
from aggregation.api.serializers import AggregateInputSerializer, AggregateOutputSerializer
from aggregation.retention import RawEventsDropped
from analytics_site.api.exceptions import InvalidPayload
from analytics_site.api.permissions import IsAdminRole


class AggregateView(APIView):
    """POST /api/v1/admin/aggregate: aggregates one day for every website with events.

    One Celery task per website; the request waits for them at most
    TRAILMARK_AGGREGATE_WAIT_SECONDS (a web worker must not be held past its timeout): 200 when
    all are done, else 202 while the rest go on in the background.
    """

    permission_classes = [IsAuthenticated, IsAdminRole]

    @extend_schema(
        request=AggregateInputSerializer,
        responses={200: AggregateOutputSerializer, 202: AggregateOutputSerializer},
    )
    def post(self, request):
        payload = AggregateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        day = payload.target_day().isoformat()
        try:
            dispatched = services.day_aggregate_dispatch(
                day=payload.target_day(), wait_seconds=settings.TRAILMARK_AGGREGATE_WAIT_SECONDS
            )
        except RawEventsDropped as error:
            raise InvalidPayload(f"date: {error}") from error
        if dispatched.done == dispatched.websites:
            return Response({"message": f"Aggregation completed for {day}"})
        message = (
            f"Aggregation of {day}: {dispatched.done} of {dispatched.websites} websites done; "
            "the rest continue in the background."
        )
        return Response({"message": message}, status=status.HTTP_202_ACCEPTED)
