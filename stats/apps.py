from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "stats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aggregation.signals import day_aggregated
        from stats.receivers import day_aggregated_receive

        day_aggregated.connect(day_aggregated_receive, dispatch_uid="stats.day_dimensions")
