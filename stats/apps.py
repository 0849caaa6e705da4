from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "stats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aggregation.signals import day_sessions_stored
        from stats.receivers import day_sessions_stored_receive

        day_sessions_stored.connect(
            day_sessions_stored_receive, dispatch_uid="stats.day_dimensions"
        )
