from django.contrib import admin
from django.utils.html import format_html

from websites import services
from websites.models import Website
from websites.selectors import website_tracker_snippet


@admin.register(Website)
class WebsiteAdmin(admin.ModelAdmin):
    list_display = ["domain", "account", "timezone", "id", "created_at"]
    list_select_related = ["account"]
    search_fields = ["domain", "=id", "account__name"]
    autocomplete_fields = ["account"]
    readonly_fields = ["id", "created_at", "snippet"]
    fields = [
        "id",
        "account",
        "domain",
        "timezone",
        "content_groups",
        "excluded_ips",
        "snippet",
        "created_at",
    ]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "timezone" in form.changed_data:
            services.website_timezone_changed(website=obj)

    # Deleting goes through the service: the website disappears at once (the default manager,
    # which this admin lists, hides it) and its rows are purged in the background.
    def delete_model(self, request, obj):
        services.website_delete(website=obj)

    def delete_queryset(self, request, queryset):
        services.websites_delete(website_ids=queryset.values_list("pk", flat=True))

    @admin.display(description="Tracker snippet")
    def snippet(self, website: Website) -> str:
        # The id is a client-side default, set before the first save: pk is never None here.
        if website._state.adding:
            return "Save the website to get its snippet."
        return format_html("<code>{}</code>", website_tracker_snippet(website=website))
