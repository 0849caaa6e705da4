from django.contrib import admin, messages

from aggregation import services
from aggregation.models import AggregationDay
from aggregation.retention import RawEventsDropped


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("aggregated", "Aggregated"), ("stale", "Stale"), ("missing", "Missing")]

    def queryset(self, request, queryset):
        if self.value() == "aggregated":
            return queryset.aggregated()
        if self.value() == "stale":
            return queryset.filter(stale=True, aggregated_at__isnull=False)
        if self.value() == "missing":
            return queryset.filter(aggregated_at__isnull=True)
        return queryset


@admin.register(AggregationDay)
class AggregationDayAdmin(admin.ModelAdmin):
    """Per website, which days the rollups hold (aggregated), hold out of date (stale: events
    arrived since) or not at all (missing: never aggregated)."""

    list_display = ["website", "day", "status", "aggregated_at"]
    list_filter = [StatusFilter, "day"]
    list_select_related = ["website"]
    search_fields = ["website__domain", "=website__id"]
    date_hierarchy = "day"
    ordering = ["-day", "website__domain"]
    actions = ["reaggregate"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    # Without its row, a day is read from raw events, which retention may have dropped: days go
    # only with their website's purge.
    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Re-aggregate the selected days now")
    def reaggregate(self, request, queryset):
        days = list(queryset.values_list("website_id", "day"))
        done = 0
        for website_id, day in days:
            try:
                services.day_aggregate(website_id=website_id, day=day)
                done += 1
            except RawEventsDropped as error:
                self.message_user(request, f"Skipped {website_id}: {error}", messages.WARNING)
        self.message_user(request, f"Re-aggregated {done} website-days.", messages.SUCCESS)
