"""The rollup layer: per website and local day, additive counts that reports read, not raw events.

`AggregationDay` tracks, per website and day, whether the rollups hold that day: a day with events
has a row from its first stored event on (`stale` until aggregated, and again whenever events
arrive for it later); `aggregated_at` is set by the aggregation that last replaced its rollups.
"""

from typing import TYPE_CHECKING

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import MD5, Cast

from ingest.models import Channel, DeviceType, ScreenBucket
from ingest.partitions import EVENTS_HELD_FROM_SQL

if TYPE_CHECKING:
    from websites.models import Website


class AggregationDayQuerySet(models.QuerySet):
    def aggregated(self) -> "AggregationDayQuerySet":
        """Days whose rollups are complete (in the time zone they were aggregated in)."""
        return self.filter(aggregated_at__isnull=False, stale=False)

    def readable(self, *, website: "Website") -> "AggregationDayQuerySet":
        """The website's days that reports read from the rollups: aggregated in its current time
        zone, or aggregated in an earlier one and older than the raw events still held (no
        re-aggregation can move those to the new zone's midnights)."""
        return self.filter(self.readable_condition(website=website), website=website)

    @staticmethod
    def readable_condition(*, website: "Website") -> Q:
        """`readable`'s condition on a day of the website."""
        realigned = Q(timezone=website.timezone) | Q(day__lt=RawSQL(EVENTS_HELD_FROM_SQL, ()))
        return Q(aggregated_at__isnull=False, stale=False) & realigned

    def pending(self) -> "AggregationDayQuerySet":
        """Days never aggregated, with events stored since their last aggregation, or, while
        their raw events are still held, aggregated in another time zone than the website's or
        before sessions were stored."""
        redo = (~Q(timezone=F("website__timezone")) | Q(sessions_stored=False)) & Q(
            day__gte=RawSQL(EVENTS_HELD_FROM_SQL, ())
        )
        return self.filter(Q(stale=True) | redo)


class LiveAggregationDayManager(models.Manager.from_queryset(AggregationDayQuerySet)):
    """The default manager: the days of a deleted website (awaiting its purge) are not there,
    so nothing aggregates, lists or waits for them."""

    def get_queryset(self) -> AggregationDayQuerySet:
        return super().get_queryset().filter(website__deleted_at__isnull=True)


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
    # The website's time zone when the day was aggregated: the midnights its rollups start at.
    timezone = models.CharField(max_length=64, default="UTC", db_default="UTC")
    # Whether its sessions are stored too (days aggregated before sessions were are redone).
    sessions_stored = models.BooleanField(default=False, db_default=False)
    # A day still collecting (today): its sessions closed before this instant are stored
    # (`day_closed_sessions_store`), unless events before it arrived since (stale).
    sessions_cutoff = models.DateTimeField(null=True, blank=True)
    sessions_stale = models.BooleanField(default=False, db_default=False)
    # Where the events not in its stored sessions begin then: the start of the first session
    # still open, else the cutoff. Readers sessionize live from here, not from midnight.
    sessions_open_from = models.DateTimeField(null=True, blank=True)

    objects = LiveAggregationDayManager()

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


# --- Rollups ---------------------------------------------------------------------------------
#
# One set of tables per grain, each holding additive counts per website, UTC day, bot verdict
# and the dimensions its reports group or filter by. `day_aggregate` replaces all the rows of one
# (website, day) at once, from the SQL in `aggregation.sql`; reports add the rows of the days
# they cover (see `aggregation.selectors`).
#
# `group_filter` is the `content_group` filter a row answers: '' for no filter, else a group
# name. A visit counts in the '' row and in one row per group it viewed a page of, so a filtered
# report reads one slice and never needs a visit's other pages.
#
# Text that visitors control (paths, referrers, UTM values) can be longer than a B-tree entry
# may be: unique indexes hold its md5 (as a 16-byte uuid) instead.


def _md5(field: str) -> Cast:
    return Cast(MD5(field), output_field=models.UUIDField())


class DayRollup(models.Model):
    website = models.ForeignKey(
        "websites.Website",
        on_delete=models.DO_NOTHING,  # cascaded by PostgreSQL: see analytics_site.db
        db_constraint=False,
        db_index=False,  # the unique index leads with it
        related_name="+",
    )
    day = models.DateField()
    # A month row: `day` is the month's first day and the counts are the sums of the month's
    # day rows (long periods read these for the months whose every day is aggregated).
    is_month = models.BooleanField(db_default=False)
    # A visitor's events share one verdict, so include_bots=true is the sum over both values.
    is_bot = models.BooleanField()

    class Meta:
        abstract = True


class DayTotal(DayRollup):
    """Per day: visits and their figures (summary; timeseries without a path)."""

    group_filter = models.CharField(max_length=100, blank=True)
    visits = models.IntegerField()
    # Distinct visitor hashes that made a visit (of this slice).
    visitors = models.IntegerField()
    # Page views counted by page-level metrics: all of them, or those in the group.
    pageviews = models.IntegerField()
    # Per visit, the distinct paths of those page views, summed.
    unique_pageviews = models.IntegerField()
    bounces = models.IntegerField()
    # Visits whose first (last) page view is counted: all of them, or those in the group.
    entries = models.IntegerField()
    exits = models.IntegerField()
    # Seconds, to the microsecond: exact, so that means round the same from any mix of days.
    duration_sum = models.DecimalField(max_digits=20, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["website", "day", "is_month", "is_bot", "group_filter"],
                name="day_total_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} totals"


class DayPage(DayRollup):
    """Per day, path and content group of page views (pages, flow; timeseries of a path)."""

    path = models.CharField(max_length=1024)
    content_group = models.CharField(max_length=100, null=True)  # noqa: DJ001
    pageviews = models.IntegerField()
    # Visits that viewed the path (in that group).
    unique_pageviews = models.IntegerField()
    # Visits whose first (last) page view it is.
    entries = models.IntegerField()
    exits = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                F("website"),
                F("day"),
                F("is_month"),
                F("is_bot"),
                F("content_group"),
                _md5("path"),
                name="day_page_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(F("website"), _md5("path"), F("day"), name="day_page_path")]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} {self.path}"


class DayPathVisits(DayRollup):
    """Per day and path: the visits that viewed it (timeseries of a path)."""

    group_filter = models.CharField(max_length=100, blank=True)
    path = models.CharField(max_length=1024)
    visits = models.IntegerField()
    bounces = models.IntegerField()
    duration_sum = models.DecimalField(max_digits=20, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                F("website"),
                F("day"),
                F("is_month"),
                F("is_bot"),
                F("group_filter"),
                _md5("path"),
                name="day_path_visits_unique",
            )
        ]
        indexes = [models.Index(F("website"), _md5("path"), F("day"), name="day_path_visits_path")]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} visits of {self.path}"


class DaySource(DayRollup):
    """Per day: visits by the channel, referrer domain and UTM triple of their first event."""

    group_filter = models.CharField(max_length=100, blank=True)
    channel = models.SmallIntegerField(choices=Channel.choices)
    referrer_domain = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_source = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_medium = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_campaign = models.CharField(max_length=255, null=True)  # noqa: DJ001
    visits = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                F("website"),
                F("day"),
                F("is_month"),
                F("is_bot"),
                F("group_filter"),
                F("channel"),
                _md5("referrer_domain"),
                _md5("utm_source"),
                _md5("utm_medium"),
                _md5("utm_campaign"),
                name="day_source_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} sources"


class DayDevice(DayRollup):
    """Per day: visits by the device type, browser, OS and screen bucket of their first event."""

    group_filter = models.CharField(max_length=100, blank=True)
    device_type = models.SmallIntegerField(choices=DeviceType.choices)
    browser_family = models.CharField(max_length=64)
    os_family = models.CharField(max_length=64)
    screen_bucket = models.SmallIntegerField(choices=ScreenBucket.choices)
    visits = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "website",
                    "day",
                    "is_month",
                    "is_bot",
                    "group_filter",
                    "device_type",
                    "browser_family",
                    "os_family",
                    "screen_bucket",
                ],
                name="day_device_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} devices"


class DayCustomEvent(DayRollup):
    """Per day: custom events by name ('' slice: every one; a group: those of its visits)."""

    group_filter = models.CharField(max_length=100, blank=True)
    event_name = models.CharField(max_length=200)
    events = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["website", "day", "is_month", "is_bot", "group_filter", "event_name"],
                name="day_custom_event_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} {self.event_name}"


# The rollup tables, in the order `day_aggregate` fills them.
ROLLUP_MODELS = (DayTotal, DayPage, DayPathVisits, DaySource, DayDevice, DayCustomEvent)


# --- Stored visits ---------------------------------------------------------------------------


class Session(models.Model):
    """One session of a visitor's local day (a visit when it holds a page view).

    Written by `day_aggregate` from the one definition in `aggregation.sessions`, for the query
    engine (`stats`) and the rollups: every visit-level dimension and figure; its events are in
    `SessionEvents`, so that the many queries that read visit-level columns only scan narrow
    rows. Partitioned by month of `day` (created by SQL in the migration; monthly partitions on
    demand, `aggregation.sessions`).
    """

    id = models.BigAutoField(primary_key=True)
    website = models.ForeignKey(
        "websites.Website", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    day = models.DateField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    ip_hash = models.UUIDField()
    is_bot = models.BooleanField()
    channel = models.SmallIntegerField(choices=Channel.choices)
    referrer_domain = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_source = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_medium = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_campaign = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_term = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_content = models.CharField(max_length=255, null=True)  # noqa: DJ001
    device_type = models.SmallIntegerField(choices=DeviceType.choices)
    browser_family = models.CharField(max_length=64)
    os_family = models.CharField(max_length=64)
    screen_bucket = models.SmallIntegerField(choices=ScreenBucket.choices)
    country = models.CharField(max_length=2, null=True)  # noqa: DJ001
    entry_page = models.CharField(max_length=1024, null=True)  # noqa: DJ001
    exit_page = models.CharField(max_length=1024, null=True)  # noqa: DJ001
    entry_group = models.CharField(max_length=100, null=True)  # noqa: DJ001
    exit_group = models.CharField(max_length=100, null=True)  # noqa: DJ001
    # The distinct paths (groups) of its page views, each between two VIEWED_SEPARATOR: event
    # filters on what a visit viewed read one text instead of unnesting its events.
    viewed_paths = models.TextField(null=True)  # noqa: DJ001
    viewed_groups = models.TextField(null=True)  # noqa: DJ001
    pageviews = models.IntegerField()
    events = models.IntegerField()
    duration_us = models.BigIntegerField()

    class Meta:
        db_table = "aggregation_session"

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} {self.started_at:%H:%M:%S}"


class SessionEvents(models.Model):
    """A stored session's events in order (time, type, path, name, group, properties) as
    parallel arrays, which answer event-level filters and dimensions without the raw events.

    One row per `Session` (`session_id` is its id), written with it; partitioned like it.
    """

    session_id = models.BigIntegerField(primary_key=True)
    website = models.ForeignKey(
        "websites.Website", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    day = models.DateField()
    event_times = ArrayField(models.DateTimeField())
    event_types = ArrayField(models.SmallIntegerField())
    event_paths = ArrayField(models.TextField())
    event_names = ArrayField(models.TextField(null=True))
    event_groups = ArrayField(models.TextField(null=True))
    event_properties = ArrayField(models.JSONField(null=True))

    class Meta:
        db_table = "aggregation_sessionevents"

    def __str__(self) -> str:
        return f"{self.website_id} {self.day} session {self.session_id}"
