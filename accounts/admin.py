from django.contrib import admin, messages

from accounts import services
from accounts.models import Account, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at"]
    search_fields = ["name", "=id"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    # As the API does: users go at once, websites are purged in the background.
    def delete_model(self, request, obj):
        services.account_delete(account=obj)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            services.account_delete(account=account)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "account", "created_at"]
    list_filter = ["role"]
    list_select_related = ["account"]
    search_fields = ["email", "=id", "account__name"]
    autocomplete_fields = ["account"]
    readonly_fields = ["id", "created_at"]
    actions = ["rotate_api_keys"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        api_key = services.user_issue_api_key(user=obj)
        self.message_user(
            request,
            f"API key for {obj}: {api_key} (shown once; admins can read it back via the API).",
            messages.WARNING,
        )

    @admin.action(description="Rotate API keys of the selected users")
    def rotate_api_keys(self, request, queryset):
        for user in queryset.select_related("account"):
            api_key = services.user_issue_api_key(user=user)
            self.message_user(request, f"New API key for {user}: {api_key}", messages.WARNING)
