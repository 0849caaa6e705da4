from datetime import UTC, datetime

from rest_framework import serializers


class UtcTimestampField(serializers.DateTimeField):
    """`2026-01-15T10:30:00.000Z`: UTC, milliseconds, as the TinyTrail spec writes timestamps."""

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers instead of turning them into strings."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
