from rest_framework import serializers

from analytics_site.api.fields import StrictCharField, UtcTimestampField
from websites.models import Website
from websites.validators import (
    validate_content_groups,
    validate_domain,
    validate_excluded_ips,
    validate_timezone,
)


class WebsiteInputSerializer(serializers.Serializer):
    domain = StrictCharField(max_length=255, validators=[validate_domain])
    content_groups = serializers.JSONField(required=False, validators=[validate_content_groups])
    excluded_ips = serializers.JSONField(required=False, validators=[validate_excluded_ips])
    timezone = StrictCharField(
        max_length=64,
        required=False,
        validators=[validate_timezone],
        help_text="IANA time zone of the website's days (default UTC). Changing it re-aggregates "
        "in the background every day whose raw events are still held (those days read raw "
        "events meanwhile); older days keep the rollups of their previous time zone.",
    )


class WebsiteCreateInputSerializer(WebsiteInputSerializer):
    account_id = serializers.UUIDField(required=False)


class WebsiteOutputSerializer(serializers.ModelSerializer):
    accountId = serializers.UUIDField(source="account_id")
    contentGroups = serializers.JSONField(source="content_groups")
    excludedIps = serializers.JSONField(source="excluded_ips")
    createdAt = UtcTimestampField(source="created_at")

    class Meta:
        model = Website
        fields = [
            "id",
            "accountId",
            "domain",
            "contentGroups",
            "excludedIps",
            "timezone",
            "createdAt",
        ]
