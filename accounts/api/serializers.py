from rest_framework import serializers

from accounts.models import PASSWORD_MAX_LENGTH, Account, Role, User
from analytics_site.api.fields import StrictCharField, UtcTimestampField


class AccountInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)


class AccountOutputSerializer(serializers.ModelSerializer):
    createdAt = UtcTimestampField(source="created_at")

    class Meta:
        model = Account
        fields = ["id", "name", "createdAt"]


class UserInputSerializer(serializers.Serializer):
    account_id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=Role.values)
    email = serializers.EmailField(
        max_length=254, required=False, allow_null=True, allow_blank=True
    )
    # Lets the user sign in to the pages too; never returned. The password rules are the
    # service's (accounts.services.user_password_check).
    password = StrictCharField(
        write_only=True, required=False, trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH
    )

    def validate_account_id(self, value):
        account = Account.objects.filter(pk=value).first()
        if account is None:
            raise serializers.ValidationError("Account not found.")
        return account


class UserOutputSerializer(serializers.ModelSerializer):
    accountId = serializers.UUIDField(source="account_id")
    createdAt = UtcTimestampField(source="created_at")

    class Meta:
        model = User
        fields = ["id", "accountId", "email", "role", "createdAt"]


class UserWithKeyOutputSerializer(UserOutputSerializer):
    """The user as created, with its key from `context["api_key"]` (never read from storage)."""

    apiKey = serializers.SerializerMethodField()

    class Meta(UserOutputSerializer.Meta):
        fields = ["id", "accountId", "email", "role", "apiKey", "createdAt"]

    def get_apiKey(self, user: User) -> str:
        return self.context["api_key"]


class ApiKeyOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    apiKey = serializers.CharField()
