from django.contrib import admin

from sharing import services
from sharing.models import SharedLink


@admin.register(SharedLink)
class SharedLinkAdmin(admin.ModelAdmin):
    """Operators see and revoke links; owners create them on the site's shared-links page."""

    list_display = ["__str__", "website", "has_password", "created_at", "revoked_at"]
    list_select_related = ["website"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["label", "website__domain", "=website__id"]
    readonly_fields = ["website", "label", "filters", "has_password", "created_at", "revoked_at"]
    fields = readonly_fields
    actions = ["revoke"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(boolean=True, description="Password")
    def has_password(self, shared_link: SharedLink) -> bool:
        return shared_link.has_password

    @admin.action(description="Revoke the selected links")
    def revoke(self, request, queryset) -> None:
        for shared_link in queryset:
            services.shared_link_revoke(shared_link=shared_link)
