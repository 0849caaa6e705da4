from django.contrib import admin, messages

from ingest.drain import dead_letters_replay
from ingest.models import DeadLetter


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    """Buffered events the drainer could not store, with PostgreSQL's reason. Replay them once
    the cause is fixed; delete the ones that are garbage."""

    list_display = ["id", "entry_id", "reason", "created_at"]
    search_fields = ["reason"]
    readonly_fields = ["entry_id", "payload", "reason", "created_at"]
    actions = ["replay"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Replay the selected dead letters (store them again)")
    def replay(self, request, queryset):
        result = dead_letters_replay(ids=queryset.values_list("id", flat=True))
        level = messages.SUCCESS if not result.dead_lettered else messages.WARNING
        self.message_user(
            request,
            f"Stored {result.stored}, dropped {result.dropped} of deleted websites, "
            f"{result.dead_lettered} still refused (their reason is updated).",
            level,
        )
