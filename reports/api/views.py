"""The report endpoints: one base viewset does everything but naming its selector and CSV."""

from collections.abc import Callable, Iterable
from datetime import date

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from analytics_site.api.renderers import EnvelopeErrorsMixin, EnvelopeJSONRenderer
from analytics_site.api.viewsets import TenantScopedViewSet
from analytics_site.calendar import local_date
from reports import params as report_params
from reports import selectors
from reports.api.renderers import ReportCSVRenderer
from reports.params import (
    CustomEventsParamsSerializer,
    DateRange,
    FilterValuesParamsSerializer,
    FunnelParamsSerializer,
    ReportParams,
    ReportParamsSerializer,
    SourcesParamsSerializer,
    TimeseriesParamsSerializer,
)
from websites.models import Website


class ReportViewSet(EnvelopeErrorsMixin, TenantScopedViewSet):
    """GET /api/v1/reports/<name>?website_id=…: JSON (the envelope) or CSV.

    The website is looked up through `Website.objects.for_user(caller)`: another account's
    website is a 404. Parameters are validated by the report's serializer before anything else.
    """

    model = Website
    renderer_classes = [EnvelopeJSONRenderer, ReportCSVRenderer]
    filter_backends = []  # parameters are the report's serializer, documented per report
    params_serializer_class: type[ReportParamsSerializer] = ReportParamsSerializer
    report_name: str
    selector: Callable[..., dict]  # a `reports.selectors.report_<name>`
    csv_columns: tuple[str, ...]

    def get_serializer_class(self):
        return self.params_serializer_class

    def max_days(self) -> int | None:
        """The longest period this report accepts (None: the 5-year bound only)."""
        return None

    def list(self, request):
        now = report_params.utc_now()
        data = report_params.report_params_parse(
            serializer_class=self.params_serializer_class,
            query=request.query_params,
            today=lambda website_id: self._local_today(website_id, now),
        )
        website = self.get_queryset().filter(pk=data["website_id"]).first()
        if website is None:
            raise NotFound("Website not found.")
        as_csv = request.accepted_renderer.format == "csv"
        params = report_params.report_params_build(
            website=website, data=data, now=now, paginate=not as_csv, max_days=self.max_days()
        )
        payload = self.selector(website=website, params=params)
        if as_csv:
            return self.csv_response(website=website, params=params, payload=payload)
        return Response(payload)

    def _local_today(self, website_id, now) -> date:
        """The caller's website's today, in its time zone (UTC for an unknown one: the look-up
        that follows answers 404)."""
        website = self.get_queryset().filter(pk=website_id).only("timezone").first()
        return local_date(now, website.timezone if website else "UTC")

    # --- CSV ---------------------------------------------------------------------------------

    def get_csv_columns(self, params: ReportParams) -> tuple[str, ...]:
        return self.csv_columns

    csv_rows_key = "rows"  # the payload list a CSV export holds

    def csv_rows(self, payload: dict) -> Iterable[dict]:
        return payload[self.csv_rows_key]

    def csv_days(self, params: ReportParams) -> DateRange:
        return params.period

    def csv_response(
        self, *, website: Website, params: ReportParams, payload: dict
    ) -> StreamingHttpResponse:
        renderer: ReportCSVRenderer = self.request.accepted_renderer
        days = self.csv_days(params)
        response = StreamingHttpResponse(
            renderer.stream(self.get_csv_columns(params), self.csv_rows(payload)),
            content_type=f"{renderer.media_type}; charset={renderer.charset}",
        )
        filename = f"{self.report_name}-{website.domain}-{days.start}-{days.end}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _documented(serializer_class: type[ReportParamsSerializer]):
    return extend_schema(parameters=[serializer_class], responses=OpenApiTypes.OBJECT)


@extend_schema_view(list=_documented(ReportParamsSerializer))
class SummaryReportViewSet(ReportViewSet):
    """Visits, unique visitors, pageviews, bounce rate and visit duration, optionally compared."""

    report_name = "summary"
    selector = staticmethod(selectors.report_summary)
    csv_columns = ("metric", "value", "previous", "change_pct")

    def csv_rows(self, payload: dict) -> Iterable[dict]:
        return (
            {
                "metric": name,
                "value": metric["value"],
                "previous": metric.get("previous"),
                "change_pct": metric.get("change_pct"),
            }
            for name, metric in payload["metrics"].items()
        )


@extend_schema_view(list=_documented(ReportParamsSerializer))
class PagesReportViewSet(ReportViewSet):
    """Pageviews and unique pageviews per path, by pageviews (paginated)."""

    report_name = "pages"
    selector = staticmethod(selectors.report_pages)
    csv_columns = ("path", "contentGroup", "pageviews", "uniquePageviews")


@extend_schema_view(list=_documented(SourcesParamsSerializer))
class SourcesReportViewSet(ReportViewSet):
    """Visits by channel, referrer domain or UTM triple of their first event (paginated)."""

    report_name = "sources"
    selector = staticmethod(selectors.report_sources)
    params_serializer_class = SourcesParamsSerializer

    def get_csv_columns(self, params: ReportParams) -> tuple[str, ...]:
        return selectors.SOURCES_KEYS[params.extra["group_by"]]


@extend_schema_view(list=_documented(ReportParamsSerializer))
class DevicesReportViewSet(ReportViewSet):
    """Visits by device type, browser, OS and screen size of their first event."""

    report_name = "devices"
    selector = staticmethod(selectors.report_devices)
    csv_columns = ("deviceType", "visits")
    csv_rows_key = "device_types"


@extend_schema_view(list=_documented(ReportParamsSerializer))
class FlowReportViewSet(ReportViewSet):
    """Visits by landing page and by exit page (both lists paginated)."""

    report_name = "flow"
    selector = staticmethod(selectors.report_flow)
    csv_columns = ("path", "entries")
    csv_rows_key = "landing_pages"


@extend_schema_view(list=_documented(FunnelParamsSerializer))
class FunnelReportViewSet(ReportViewSet):
    """Visits reaching each of `steps[]` (2 to 10) in order, and each step's conversion."""

    report_name = "funnel"
    selector = staticmethod(selectors.report_funnel)
    params_serializer_class = FunnelParamsSerializer
    csv_columns = ("step", "sessions", "conversion_rate")
    csv_rows_key = "funnel"

    def max_days(self) -> int:
        # No rollup holds event sequences: the funnel reads every event of the period's visits.
        return settings.TRAILMARK_FUNNEL_MAX_DAYS


@extend_schema_view(list=_documented(ReportParamsSerializer))
class RealtimeReportViewSet(ReportViewSet):
    """Active visitors, top pages and events by type over the last 30 minutes."""

    report_name = "realtime"
    selector = staticmethod(selectors.report_realtime)
    csv_columns = ("path", "visitors")
    csv_rows_key = "top_pages"

    def csv_days(self, params: ReportParams) -> DateRange:
        since = params.now - selectors.REALTIME_WINDOW
        return DateRange(
            local_date(since, params.time_zone), local_date(params.now, params.time_zone)
        )


@extend_schema_view(list=_documented(CustomEventsParamsSerializer))
class CustomEventsReportViewSet(ReportViewSet):
    """Custom events counted by name (paginated)."""

    report_name = "custom-events"
    selector = staticmethod(selectors.report_custom_events)
    params_serializer_class = CustomEventsParamsSerializer
    csv_columns = ("name", "count")


@extend_schema_view(list=_documented(TimeseriesParamsSerializer))
class TimeseriesReportViewSet(ReportViewSet):
    """One value of `metric` per day of the period, optionally for one `path`."""

    report_name = "timeseries"
    selector = staticmethod(selectors.report_timeseries)
    params_serializer_class = TimeseriesParamsSerializer
    csv_columns = ("date", "value")

    def csv_rows(self, payload: dict) -> Iterable[dict]:
        return payload["series"]


@extend_schema_view(list=_documented(FilterValuesParamsSerializer))
class FilterValuesReportViewSet(ReportViewSet):
    """The values of one `dimension` in the period, most visitors first; `search` narrows them
    (a case-insensitive substring). For filter drop-downs."""

    report_name = "filter-values"
    selector = staticmethod(selectors.report_filter_values)
    params_serializer_class = FilterValuesParamsSerializer
    csv_columns = ("value", "visitors")


REPORT_VIEWSETS = (
    SummaryReportViewSet,
    PagesReportViewSet,
    SourcesReportViewSet,
    DevicesReportViewSet,
    FlowReportViewSet,
    FunnelReportViewSet,
    RealtimeReportViewSet,
    CustomEventsReportViewSet,
    TimeseriesReportViewSet,
    FilterValuesReportViewSet,
)
