"""The query parameters of the reports: parsed and validated once, for every report.

`ReportParamsSerializer` checks the common parameters; each report's own serializer subclasses it
and adds only its parameters. `report_params_build` then resolves the period to UTC days for one
website and returns the immutable `ReportParams` that every selector takes.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from analytics_site.calendar import add_years, local_date
from analytics_site.text import UNSTORABLE_CHARACTERS
from stats.dimensions import dimension_get
from stats.errors import QueryError
from stats.filters import Filter, filters_parse
from stats.query import Query, QueryInput, query_build
from stats.time import (
    COMPARES,
    INTERVALS,
    MAX_HOUR_RANGE_DAYS,
    MAX_RANGE_YEARS,
    PERIODS,
    DateRange,
    comparison_resolve,
    period_resolve,
)
from websites.models import Website

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_FUNNEL_STEPS = 10
MAX_SEARCH_LENGTH = 100
MAX_FILTERS_LENGTH = 16_384
TIMESERIES_METRICS = (
    "visits",
    "pageviews",
    "unique_pageviews",
    "bounce_rate",
    "avg_session_duration",
    "landing_page_entries",
    "exit_page_exits",
)


def utc_now() -> datetime:
    """The clock of every report (tests replace it to freeze "today")."""
    return timezone.now()


@dataclass(frozen=True)
class ReportParams:
    period: DateRange
    comparison: DateRange | None = None
    include_bots: bool = False
    time_zone: str = "UTC"  # the website's: every day above is a local day
    # The query engine's filters (`stats.filters`): given, the report is answered by its preset.
    filters: tuple[Filter, ...] = ()
    content_group: str | None = None
    page: int = 1
    per_page: int | None = DEFAULT_PER_PAGE  # None: every row (CSV exports)
    now: datetime = field(default_factory=utc_now)
    # The report's own parameters (group_by, steps, event_name, metric, path), already validated.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        return (self.page - 1) * (self.per_page or 0)


class ReportParamsSerializer(serializers.Serializer):
    """The parameters every report accepts."""

    website_id = serializers.UUIDField()
    period = serializers.ChoiceField(choices=PERIODS, default="7d")
    start_date = serializers.DateField(input_formats=["%Y-%m-%d"], required=False)
    end_date = serializers.DateField(input_formats=["%Y-%m-%d"], required=False)
    compare = serializers.ChoiceField(choices=COMPARES, required=False)
    include_bots = serializers.ChoiceField(choices=("true", "false"), default="false")
    content_group = serializers.CharField(max_length=100, required=False)
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    per_page = serializers.IntegerField(
        min_value=1, max_value=MAX_PER_PAGE, default=DEFAULT_PER_PAGE
    )
    format = serializers.ChoiceField(choices=("json", "csv"), default="json")
    filters = serializers.CharField(
        max_length=MAX_FILTERS_LENGTH,
        required=False,
        help_text="The query engine's filters as JSON (URL-encoded), e.g. "
        '[["is","visit:device",["mobile"]]]: see POST /api/v1/query.',
    )

    def validate_filters(self, value: str) -> tuple[Filter, ...]:
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: nested past Python's stack
            raise serializers.ValidationError("Not JSON: give a list of filters.") from None
        try:
            return filters_parse(parsed, path="filters")
        except QueryError as error:
            raise serializers.ValidationError(str(error)) from None

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if end is not None and start is None:
            raise serializers.ValidationError({"start_date": "Required when end_date is given."})
        if start is not None:
            # A start date alone runs through the website's (local) today.
            end = attrs["end_date"] = end or self._today(attrs["website_id"])
            if start > end:
                raise serializers.ValidationError({"start_date": "Must not be after end_date."})
            if end == date.max:
                # Periods end at the next midnight, which 9999-12-31 does not have.
                raise serializers.ValidationError({"end_date": f"Must be before {date.max}."})
            if _years_reached(start, end, MAX_RANGE_YEARS):
                raise serializers.ValidationError(
                    {"end_date": f"A date range spans at most {MAX_RANGE_YEARS} years."}
                )
            if attrs.get("compare"):
                try:
                    comparison_resolve(compare=attrs["compare"], period=DateRange(start, end))
                except (ValueError, OverflowError):
                    raise serializers.ValidationError(
                        {"compare": f"The comparison period would start before {date.min}."}
                    ) from None
        return attrs

    def _today(self, website_id) -> date:
        today = self.context["today"]
        return today(website_id) if callable(today) else today


def _years_reached(start: date, end: date, years: int) -> bool:
    """Whether `end` is at least `years` after `start`."""
    try:
        return end >= add_years(start, years)
    except ValueError:  # that many years on is past 9999: no date reaches it
        return False


class SourcesParamsSerializer(ReportParamsSerializer):
    group_by = serializers.ChoiceField(choices=("channel", "domain", "utm"), default="channel")


class FunnelParamsSerializer(ReportParamsSerializer):
    steps = serializers.ListField(
        child=serializers.CharField(max_length=1024),
        min_length=2,
        max_length=MAX_FUNNEL_STEPS,
        error_messages={
            "min_length": "Give at least 2 steps (steps[]=/a&steps[]=/b).",
            "max_length": f"At most {MAX_FUNNEL_STEPS} steps.",
        },
    )


class CustomEventsParamsSerializer(ReportParamsSerializer):
    event_name = serializers.CharField(max_length=200, required=False)


class TimeseriesParamsSerializer(ReportParamsSerializer):
    metric = serializers.ChoiceField(choices=TIMESERIES_METRICS, default="pageviews")
    path = serializers.CharField(max_length=1024, required=False)
    interval = serializers.ChoiceField(choices=INTERVALS, required=False)


class FilterValuesParamsSerializer(ReportParamsSerializer):
    dimension = serializers.CharField(max_length=80)
    search = serializers.CharField(max_length=MAX_SEARCH_LENGTH, required=False)

    def validate_dimension(self, value: str) -> str:
        try:
            dimension = dimension_get(value)
        except KeyError:
            raise serializers.ValidationError(f"Unknown dimension {value!r}.") from None
        if dimension.level == "time":
            raise serializers.ValidationError("Time dimensions have no values to filter by.")
        return value

    def validate_search(self, value: str) -> str:
        if UNSTORABLE_CHARACTERS.search(value):
            raise serializers.ValidationError("Control characters are not allowed.")
        return value


COMMON_PARAMS = frozenset(ReportParamsSerializer().fields)


def report_params_parse(
    *,
    serializer_class: type[ReportParamsSerializer],
    query,
    today: date | Callable[[UUID], date],
) -> dict:
    """Validates a request's query string (`QueryDict`); raises DRF's ValidationError (400).

    `today` is the day a `start_date` alone runs through, or a function giving it for the
    website id, called only then (the website's local today).
    """
    data = {key: query.get(key) for key in query}
    if "steps" in serializer_class().fields:
        # `steps[]=/a&steps[]=/b` as the spec writes it; a plain repeated `steps` works too.
        data["steps"] = query.getlist("steps[]") or query.getlist("steps")
        data.pop("steps[]", None)
    serializer = serializer_class(data=data, context={"today": today})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def website_first_day(*, website: Website) -> date:
    """The first local day of the website: its creation, or its first event if earlier (imports).

    The first event is looked up in the raw events and in the daily totals, which outlive the
    raw events that retention removes (an aggregated day without events has no totals row).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT least(
                (SELECT min(timestamp AT TIME ZONE %(time_zone)s)::date
                 FROM ingest_event WHERE website_id = %(website)s),
                (SELECT min(day) FROM aggregation_daytotal
                 WHERE website_id = %(website)s AND NOT is_month)
            )
            """,
            {"website": website.pk, "time_zone": website.timezone},
        )
        (first_event_day,) = cursor.fetchone()
    created = local_date(website.created_at, website.timezone)
    return min(created, first_event_day) if first_event_day else created


def report_params_build(
    *,
    website: Website,
    data: dict,
    now: datetime | None = None,
    paginate: bool = True,
    max_days: int | None = None,
) -> ReportParams:
    """Resolves validated parameters (from `report_params_parse`) for one website.

    `max_days` bounds the period of a report that reads every event of it (DRF's
    ValidationError, 400).
    """
    now = now or utc_now()
    today = local_date(now, website.timezone)
    if data.get("start_date"):
        period = DateRange(data["start_date"], data["end_date"])
    else:
        first_day = website_first_day(website=website) if data["period"] == "all" else None
        period = period_resolve(period=data["period"], today=today, first_day=first_day)
    if max_days is not None and period.days > max_days:
        field = "end_date" if data.get("start_date") else "period"
        raise serializers.ValidationError(
            {field: f"This report reads every event: a period spans at most {max_days} days."}
        )
    compare = data.get("compare")
    extra = {key: value for key, value in data.items() if key not in COMMON_PARAMS}
    if data.get("interval") == "hour" and period.days > MAX_HOUR_RANGE_DAYS:
        field = "end_date" if data.get("start_date") else "period"
        raise serializers.ValidationError(
            {"interval": f"Hours cover periods of at most {MAX_HOUR_RANGE_DAYS} days ({field})."}
        )
    return ReportParams(
        period=period,
        comparison=comparison_resolve(compare=compare, period=period) if compare else None,
        include_bots=data["include_bots"] == "true",
        time_zone=website.timezone,
        filters=data.get("filters", ()),
        content_group=data.get("content_group"),
        page=data["page"] if paginate else 1,
        per_page=data["per_page"] if paginate else None,
        now=now,
        extra=extra,
    )


def queries_build(
    *, website: Website, parsed: list[QueryInput], now: datetime | None = None
) -> list[Query]:
    """Resolves checked query bodies for their website: its local today (now), and for `all`
    its first day, looked up once for them all. Raises QueryError (what only the resolved days
    tell: an hourly breakdown of a long period, a comparison before year 1)."""
    today = local_date(now or utc_now(), website.timezone)
    first_day = None
    if any(item.date_range == "all" for item in parsed):
        first_day = website_first_day(website=website)
    return [
        query_build(item, timezone=website.timezone, today=today, first_day=first_day)
        for item in parsed
    ]
