"""CSV exports of the reports, streamed row by row."""

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from stats.query import Query
from stats.runner import query_run
from websites.models import Website

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024


def csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading single quote.

    Only text is neutralised: the numbers the reports compute (a negative change_pct) stay numbers.
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class _Line:
    """A file-like object whose `write` returns the line the csv module formatted."""

    def write(self, line: str) -> str:
        return line


class ReportCSVRenderer(BaseRenderer):
    """`text/csv` (`?format=csv` or `Accept: text/csv`).

    Report views stream their rows through `stream()` in a `StreamingHttpResponse`; `render()`
    handles a complete `{"columns": [...], "rows": [...]}` payload for anything else.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def stream(self, columns: Sequence[str], rows: Iterable[dict]) -> Iterator[bytes]:
        """The header line, then the rows, in chunks of about `CHUNK_BYTES`."""
        writer = csv.writer(_Line())
        buffer, size = [writer.writerow(columns)], 0
        try:
            for row in rows:
                line = writer.writerow([csv_cell(row[column]) for column in columns])
                buffer.append(line)
                size += len(line)
                if size >= CHUNK_BYTES:
                    yield "".join(buffer).encode()
                    buffer, size = [], 0
            yield "".join(buffer).encode()
        finally:
            # A client that hangs up mid-download closes this generator: release the
            # server-side cursor behind `rows` now rather than at garbage collection.
            close = getattr(rows, "close", None)
            if close is not None:
                close()

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not isinstance(data, dict) or "columns" not in data:
            return b""
        return b"".join(self.stream(data["columns"], data["rows"]))


def query_csv_response(
    *, renderer: ReportCSVRenderer, website: Website, query: Query, name: str
) -> StreamingHttpResponse:
    """Every row of a query as CSV: a column per dimension then metric (with a comparison,
    `<metric>_previous` and `<metric>_change` after them); the file is named
    `<name>-<domain>-<start>-<end>.csv`."""
    columns = [d.name for d in query.dimensions] + [m.name for m in query.metrics]
    if query.comparison is not None:
        columns += [f"{m.name}_previous" for m in query.metrics]
        columns += [f"{m.name}_change" for m in query.metrics]
    results = query_run(website=website, query=query, paginate=False)["results"]
    rows = (_query_csv_row(columns, result) for result in results)
    response = StreamingHttpResponse(
        renderer.stream(columns, rows),
        content_type=f"{renderer.media_type}; charset={renderer.charset}",
    )
    days = query.date_range
    filename = f"{name}-{website.domain}-{days.start}-{days.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _query_csv_row(columns: list[str], result: dict) -> dict:
    values = [*result["dimensions"], *result["metrics"]]
    if "comparison" in result:
        values += [*result["comparison"]["metrics"], *result["comparison"]["change"]]
    return dict(zip(columns, values, strict=True))
