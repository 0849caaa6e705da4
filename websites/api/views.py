from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.models import Account
from analytics_site.api.exceptions import InvalidPayload
from analytics_site.api.viewsets import DeleteAnsweringMixin, TenantScopedViewSet
from websites import selectors, services
from websites.api.serializers import (
    WebsiteCreateInputSerializer,
    WebsiteInputSerializer,
    WebsiteOutputSerializer,
)
from websites.models import Website


class WebsiteViewSet(DeleteAnsweringMixin, TenantScopedViewSet):
    model = Website
    serializer_class = WebsiteOutputSerializer

    def list(self, request):
        websites = selectors.website_list(user=request.user)
        return Response(WebsiteOutputSerializer(websites, many=True).data)

    @extend_schema(request=WebsiteCreateInputSerializer, responses={201: WebsiteOutputSerializer})
    def create(self, request):
        payload = WebsiteCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        account = self._target_account(data.pop("account_id", None))
        website = services.website_create(account=account, **data)
        return Response(WebsiteOutputSerializer(website).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebsiteInputSerializer, responses={200: WebsiteOutputSerializer})
    def partial_update(self, request, pk=None):
        website = self.get_object()
        payload = WebsiteInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data:
            raise InvalidPayload(
                "Provide at least one of: domain, content_groups, excluded_ips, timezone."
            )
        website = services.website_update(website=website, **payload.validated_data)
        return Response(WebsiteOutputSerializer(website).data)

    def perform_delete(self, instance) -> None:
        services.website_delete(website=instance)

    def _target_account(self, account_id) -> Account:
        """The caller's own account, or for an admin, the account named by `account_id`."""
        user = self.request.user
        if account_id is None or account_id == user.account_id:
            return user.account
        if not user.is_admin:
            raise PermissionDenied("Only admins may create websites in another account.")
        account = Account.objects.filter(pk=account_id).first()
        if account is None:
            raise InvalidPayload("account_id: Account not found.")
        return account
