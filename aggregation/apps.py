from django.apps import AppConfig


class AggregationConfig(AppConfig):
    name = "aggregation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aggregation.receivers import events_stored_receive
        from ingest.signals import events_stored

        events_stored.connect(events_stored_receive, dispatch_uid="aggregation.days_mark_stale")
