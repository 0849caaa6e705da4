from rest_framework.permissions import BasePermission


class IsAdminRole(BasePermission):
    message = "This endpoint requires an admin API key."

    def has_permission(self, request, view) -> bool:
        return request.user is not None and request.user.is_admin
