"""`POST /api/v1/query` (one query, or a batch of up to 10) and `GET /api/v1/query/schema`.

The body is parsed by `stats.query` into the one `Query` every read takes, resolved for the
caller's website (another account's is a 404, as for the reports) and run by `stats.runner`.
"""

from django.db import DatabaseError, transaction
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics_site.api.exceptions import InvalidPayload, envelope_exception_handler
from analytics_site.api.renderers import EnvelopeErrorsMixin, EnvelopeJSONRenderer
from reports import params as report_params
from reports.api.renderers import ReportCSVRenderer, query_csv_response
from stats.query import Query, QueryError, query_parse
from stats.runner import query_run
from stats.schema import schema_document
from websites.models import Website

MAX_BATCH = 10


class QueryView(EnvelopeErrorsMixin, APIView):
    """Metrics by dimensions, filtered, over the website's local days; JSON or CSV."""

    renderer_classes = [EnvelopeJSONRenderer, ReportCSVRenderer]

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        body = request.data
        as_csv = request.accepted_renderer.format == "csv"
        if isinstance(body, list):
            if as_csv:
                raise InvalidPayload("format: a batch answers JSON only; send one query for CSV.")
            return Response(self._batch(body))
        website, query = self._resolve(body)
        if as_csv:
            return self._csv(website, query)
        return Response(query_run(website=website, query=query))

    def _batch(self, items: list) -> list[dict]:
        if not 1 <= len(items) <= MAX_BATCH:
            raise InvalidPayload(f"A batch holds 1 to {MAX_BATCH} queries.")
        ids = [item.get("id") if isinstance(item, dict) else None for item in items]
        for index, item_id in enumerate(ids):
            if not isinstance(item_id, str) or not item_id:
                raise InvalidPayload(f"[{index}].id: each query of a batch needs a string id.")
        if len(set(ids)) != len(ids):
            raise InvalidPayload("id: the ids of a batch must differ.")
        answers = []
        for index, (item, item_id) in enumerate(zip(items, ids, strict=True)):
            try:
                # A savepoint: one item's failed statement leaves the others' transaction usable.
                with transaction.atomic():
                    website, query = self._resolve(item, path_prefix=f"[{index}]")
                    answers.append({"id": item_id, "data": query_run(website=website, query=query)})
            except (APIException, DatabaseError) as error:
                # Its own error, as the envelope would give it (a timeout: 503's code; a regular
                # expression PostgreSQL refuses: 400).
                response = envelope_exception_handler(error, {"request": self.request})
                answers.append({"id": item_id, "error": response.data["error"]})
        return answers

    def _resolve(self, body: object, *, path_prefix: str = "") -> tuple[Website, Query]:
        try:
            parsed = query_parse(body, path_prefix=path_prefix)
        except QueryError as error:
            raise InvalidPayload(str(error)) from None
        website = Website.objects.for_user(self.request.user).filter(pk=parsed.website_id).first()
        if website is None:
            raise NotFound("Website not found.")
        try:
            [query] = report_params.queries_build(website=website, parsed=[parsed])
        except QueryError as error:
            raise InvalidPayload(str(error)) from None
        return website, query

    def _csv(self, website: Website, query: Query) -> StreamingHttpResponse:
        return query_csv_response(
            renderer=self.request.accepted_renderer, website=website, query=query, name="query"
        )


class QuerySchemaView(APIView):
    """Every dimension, metric, operator, period and interval, and the query body's JSON Schema."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(schema_document())
