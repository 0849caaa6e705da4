import uuid

from rest_framework import viewsets
from rest_framework.response import Response

from analytics_site.api.exceptions import InvalidPayload


class TenantScopedViewSet(viewsets.GenericViewSet):
    """The base of every API viewset over tenant data.

    The queryset always comes from the model manager's `for_user(caller)`, so an object outside
    the caller's account is simply not there (404). Subclasses narrow it, never widen it.
    """

    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # OpenAPI schema generation: no caller
            return self.model.objects.none()
        return self.model.objects.for_user(self.request.user)

    def get_object(self):
        lookup = self.lookup_url_kwarg or self.lookup_field
        try:
            uuid.UUID(self.kwargs[lookup])
        except ValueError:
            raise InvalidPayload(f"id: '{self.kwargs[lookup]}' is not a valid UUID.") from None
        return super().get_object()


class DeleteAnsweringMixin:
    """DELETE /…/:id deletes through `perform_delete` and answers the object as it was."""

    def destroy(self, request, pk=None):
        instance = self.get_object()
        deleted = self.get_serializer(instance).data
        self.perform_delete(instance)
        return Response(deleted)

    def perform_delete(self, instance) -> None:
        raise NotImplementedError
