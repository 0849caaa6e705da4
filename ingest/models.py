"""The events store: one row per collected event, in monthly range partitions.

The table is created by SQL in the migrations (Django cannot declare a partitioned table).
Low-cardinality dimensions are `smallint` codes (the enums below): the table is meant to hold
hundreds of millions of rows, and narrow rows scan faster. Reports read these columns
through `website_id` + `timestamp`, which lead the one B-tree index.
"""

from django.db import models


class EventType(models.IntegerChoices):
    PAGE_VIEW = 1, "page_view"
    CLOSE_TAB = 2, "close_tab"
    SCROLL_25 = 3, "scroll_25"
    SCROLL_50 = 4, "scroll_50"
    SCROLL_75 = 5, "scroll_75"
    OUTBOUND_LINK = 6, "outbound_link"
    CUSTOM = 7, "custom"


class Channel(models.IntegerChoices):
    DIRECT = 1, "Direct"
    ORGANIC_SEARCH = 2, "Organic Search"
    PAID_SEARCH = 3, "Paid Search"
    SOCIAL = 4, "Social"
    EMAIL = 5, "Email"
    REFERRAL = 6, "Referral"


class DeviceType(models.IntegerChoices):
    DESKTOP = 1, "desktop"
    MOBILE = 2, "mobile"
    TABLET = 3, "tablet"
    BOT = 4, "bot"
    OTHER = 5, "other"


class ScreenBucket(models.IntegerChoices):
    UNKNOWN = 0, "unknown"
    UP_TO_375 = 1, "320-375"
    UP_TO_768 = 2, "376-768"
    UP_TO_1024 = 3, "769-1024"
    UP_TO_1440 = 4, "1025-1440"
    WIDER = 5, "1441+"


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    website = models.ForeignKey(
        "websites.Website", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    timestamp = models.DateTimeField()
    event_type = models.SmallIntegerField(choices=EventType.choices)
    # Custom events only: the name given to window.analytics.track(name, props).
    event_name = models.CharField(max_length=200, null=True)  # noqa: DJ001
    path = models.CharField(max_length=1024)
    # Lower-case host without "www."; NULL for direct and internal traffic.
    referrer_domain = models.CharField(max_length=255, null=True)  # noqa: DJ001
    referrer_channel = models.SmallIntegerField(choices=Channel.choices)
    utm_source = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_medium = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_campaign = models.CharField(max_length=255, null=True)  # noqa: DJ001
    # Added later: in the table (and in EventRow) they follow `properties`.
    utm_term = models.CharField(max_length=255, null=True)  # noqa: DJ001
    utm_content = models.CharField(max_length=255, null=True)  # noqa: DJ001
    browser_family = models.CharField(max_length=64)
    os_family = models.CharField(max_length=64)
    device_type = models.SmallIntegerField(choices=DeviceType.choices)
    screen_bucket = models.SmallIntegerField(choices=ScreenBucket.choices)
    country = models.CharField(max_length=2, null=True)  # noqa: DJ001
    # HMAC-SHA256(daily salt, IP + UA + website id), first 128 bits. PostgreSQL's uuid type is a
    # fixed 16 bytes that compares and hashes fast; it is not a UUID in any other sense.
    ip_hash = models.UUIDField()
    content_group = models.CharField(max_length=100, null=True)  # noqa: DJ001
    is_bot = models.BooleanField()
    is_excluded = models.BooleanField()
    properties = models.JSONField(null=True)

    class Meta:
        # Created by SQL in the migration (as a partitioned table); managed so that Django's
        # test flush truncates it together with the websites it references.
        db_table = "ingest_event"

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} {self.path} at {self.timestamp:%Y-%m-%d %H:%M:%S}"


class DailySalt(models.Model):
    """The random salt of one UTC day's visitor hashes; destroyed two days later."""

    day = models.DateField(primary_key=True)
    salt = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"salt of {self.day}"


class DrainCheckpoint(models.Model):
    """The last buffer entry whose rows are committed: written in the same transaction as them.

    Stream ids only mean something within one generation of the stream (`epoch`, see
    ingest.buffer): a Redis that lost its data starts a new epoch, and this checkpoint with it.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.CharField(max_length=32, default="", blank=True)
    last_entry_id = models.CharField(max_length=40, default="0-0")
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"drained up to {self.last_entry_id} (epoch {self.epoch or '-'})"


class DeadLetter(models.Model):
    """A buffered entry that could not be stored, kept for an operator to inspect or replay.

    Written in the same transaction as the drain checkpoint that passes its entry, so every entry
    ends up exactly once either in the events table or here. Capped at
    TRAILMARK_DEAD_LETTER_MAX rows (the oldest go first).
    """

    id = models.BigAutoField(primary_key=True)
    entry_id = models.CharField(max_length=40)
    # The buffered payload as text (JSON of an EventRow when readable); NUL bytes escaped.
    payload = models.TextField()
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"dead letter {self.entry_id}: {self.reason[:80]}"
