from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.serializers import (
    AccountInputSerializer,
    AccountOutputSerializer,
    ApiKeyOutputSerializer,
    UserInputSerializer,
    UserOutputSerializer,
    UserWithKeyOutputSerializer,
)
from accounts.keys import ApiKeyUnreadable
from accounts.models import Account, User
from analytics_site.api.permissions import IsAdminRole
from analytics_site.api.viewsets import DeleteAnsweringMixin, TenantScopedViewSet


class AccountViewSet(DeleteAnsweringMixin, TenantScopedViewSet):
    model = Account
    permission_classes = [IsAuthenticated, IsAdminRole]
    serializer_class = AccountOutputSerializer

    def list(self, request):
        accounts = selectors.account_list(user=request.user)
        return Response(AccountOutputSerializer(accounts, many=True).data)

    @extend_schema(request=AccountInputSerializer, responses={201: AccountOutputSerializer})
    def create(self, request):
        payload = AccountInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = services.account_create(**payload.validated_data)
        return Response(AccountOutputSerializer(account).data, status=status.HTTP_201_CREATED)

    def perform_delete(self, instance) -> None:
        services.account_delete(account=instance)


class UserViewSet(DeleteAnsweringMixin, TenantScopedViewSet):
    model = User
    permission_classes = [IsAuthenticated, IsAdminRole]
    serializer_class = UserOutputSerializer

    def list(self, request):
        users = selectors.user_list(user=request.user)
        return Response(UserOutputSerializer(users, many=True).data)

    @extend_schema(request=UserInputSerializer, responses={201: UserWithKeyOutputSerializer})
    def create(self, request):
        payload = UserInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user, api_key = services.user_create(
            account=data["account_id"],
            role=data["role"],
            email=data.get("email"),
            password=data.get("password"),
        )
        body = UserWithKeyOutputSerializer(user, context={"api_key": api_key}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_delete(self, instance) -> None:
        services.user_delete(user=instance)

    @extend_schema(responses={200: ApiKeyOutputSerializer})
    @action(detail=True, methods=["get"], url_path="api-key")
    def api_key(self, request, pk=None):
        user = self.get_object()
        try:
            api_key = selectors.user_api_key(user=user)
        except ApiKeyUnreadable:
            raise ApiKeyUnreadableConflict from None
        return Response({"id": str(user.id), "apiKey": api_key})


class ApiKeyUnreadableConflict(APIException):
    status_code = 409
    default_detail = (
        "This API key was stored under a secret that is no longer configured "
        "(TRAILMARK_KEY_SECRET); issue a new one."
    )
