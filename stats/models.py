"""The read side's own stored rows: per-day sums by one dimension, which the planner reads.

`DayDimension` holds, per website, local day, bot verdict, dimension and value, the sums the
query engine itself computes for a row (`stats.builder.PART_COLUMNS`, before the metrics are
derived from them), over the day's stored sessions. A query by at most one dimension, filtered
only on that dimension, adds up these rows instead of reading every session of its days
(`stats.planner`). `DimensionDay` says which days have their rows, and from which aggregation.

Both are written by `stats.services.day_dimensions_write`, when `day_aggregate` has stored a
day (the `aggregation.signals.day_aggregated` signal) or by the backfill command.
"""

from django.db import models


class DayDimension(models.Model):
    """The engine's sums of one row (a dimension's value) over one day's stored sessions.

    `dimension` is a dimension's name (every one of the registry but the time dimensions and
    `event:props:*`), `time:hour` (`value`: the UTC instant of the hour key, ISO) or `total`
    (no dimension, `value` null). A visitor's sessions share one bot verdict, so the rows of
    `include_bots=true` are the sums of both `is_bot` values, as in the rollups.
    """

    website = models.ForeignKey(
        "websites.Website",
        on_delete=models.DO_NOTHING,  # cascaded by PostgreSQL: see analytics_site.db
        db_constraint=False,
        db_index=False,  # the index below leads with it
        related_name="+",
    )
    day = models.DateField()
    is_bot = models.BooleanField()
    dimension = models.CharField(max_length=64)
    value = models.TextField(null=True)  # noqa: DJ001 (null is a missing value, not '')
    visitors = models.IntegerField()
    visits = models.IntegerField()
    bounces = models.IntegerField()
    duration_us = models.BigIntegerField()
    pageviews = models.IntegerField()
    events = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["website", "dimension", "is_bot", "day"], name="stats_daydimension_read"
            )
        ]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} {self.dimension}={self.value}"


class DimensionDay(models.Model):
    """A day whose `DayDimension` rows are written, by the aggregation that stored its sessions
    at `aggregated_at`: the planner reads them only while that is the day's `aggregated_at`."""

    website = models.ForeignKey(
        "websites.Website",
        on_delete=models.DO_NOTHING,  # cascaded by PostgreSQL: see analytics_site.db
        db_constraint=False,
        db_index=False,  # the unique constraint leads with it
        related_name="+",
    )
    day = models.DateField()
    aggregated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["website", "day"], name="stats_dimension_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} (aggregated {self.aggregated_at})"
