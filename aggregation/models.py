"""The rollup layer: per website and UTC day, additive counts that reports read, not raw events.

`AggregationDay` tracks, per website and day, whether the rollups hold that day: a day with events
has a row from its first stored event on (`stale` until aggregated, and again whenever events
arrive for it later); `aggregated_at` is set by the aggregation that last replaced its rollups.
"""

from django.db import models


class AggregationDayQuerySet(models.QuerySet):
    def aggregated(self) -> "AggregationDayQuerySet":
        """Days whose rollups are complete: reports read these from the rollup tables."""
        return self.filter(aggregated_at__isnull=False, stale=False)

    def pending(self) -> "AggregationDayQuerySet":
        """Days never aggregated, or with events stored since their last aggregation."""
        return self.filter(stale=True)


class AggregationDay(models.Model):
    website = models.ForeignKey(
        "websites.Website",
        on_delete=models.DO_NOTHING,  # cascaded by PostgreSQL: see analytics_site.db
        db_constraint=False,
        related_name="+",
    )
    day = models.DateField()
    stale = models.BooleanField(default=True)
    aggregated_at = models.DateTimeField(null=True, blank=True)

    objects = AggregationDayQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["website", "day"], name="aggregation_day_unique")
        ]
        indexes = [
            models.Index(
                fields=["day"], name="aggregation_day_pending", condition=models.Q(stale=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} ({self.status})"

    @property
    def status(self) -> str:
        if self.aggregated_at is None:
            return "missing"
        return "stale" if self.stale else "aggregated"
