"""The read side's own stored rows: per-day sums by one dimension, which the planner reads.

`DayDimension` holds, per website, local day, bot verdict, dimension and value, the sums the
query engine itself computes for a row (`stats.builder.PART_COLUMNS`, before the metrics are
derived from them), over the day's stored sessions. A query by at most one dimension, filtered
only on that dimension, adds up these rows instead of reading every session of its days
(`stats.planner`). `DimensionDay` says which days have their rows, and from which aggregation.

Both are written by `stats.services.day_dimensions_write` whenever a day's sessions are stored
(the `aggregation.signals.day_sessions_stored` signal): by `day_aggregate`, and every few
minutes for today's closed sessions; or by the backfill command.
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
    """A day whose `DayDimension` rows are written, from the sessions stored by its aggregation
    at `aggregated_at`, or, for a day stored in part (today), by its store of the sessions
    closed before `sessions_cutoff`: the planner reads them only while that is still the day's
    `aggregated_at` (or `sessions_cutoff`)."""

    website = models.ForeignKey(
        "websites.Website",
        on_delete=models.DO_NOTHING,  # cascaded by PostgreSQL: see analytics_site.db
        db_constraint=False,
        db_index=False,  # the unique constraint leads with it
        related_name="+",
    )
    day = models.DateField()
    aggregated_at = models.DateTimeField(null=True)  # NULL: stored in part
    sessions_cutoff = models.DateTimeField(null=True)  # set: stored in part

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["website", "day"], name="stats_dimension_day_unique")
        ]

    def __str__(self) -> str:
        if self.aggregated_at is None:
            return f"{self.website_id} {self.day} (sessions closed before {self.sessions_cutoff})"
        return f"{self.website_id} {self.day} (aggregated {self.aggregated_at})"
