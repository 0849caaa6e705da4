from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from analytics_site.calendar import LATEST_TIME_ZONE, local_date


class AggregateInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])

    def validate_date(self, value):
        if value > local_date(timezone.now(), LATEST_TIME_ZONE):
            raise serializers.ValidationError("Future days cannot be aggregated.")
        return value

    def target_day(self):
        """The requested day, or yesterday (UTC) by default."""
        return self.validated_data.get("date") or timezone.now().date() - timedelta(days=1)


class AggregateOutputSerializer(serializers.Serializer):
    message = serializers.CharField()
