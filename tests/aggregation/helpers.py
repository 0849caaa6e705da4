import json
from datetime import date

from ingest.importer import events_import
from tests.ingest.helpers import CHROME, event_body


def import_page_views(website, *, day: date, visitors: int) -> None:
    """One page view per visitor on `day`, through the import pipeline (which marks the day)."""
    lines = [
        json.dumps(
            {
                **event_body(website, path=f"/p{index}"),
                "ip": f"10.7.{index // 250}.{index % 250 + 1}",
                "user_agent": CHROME,
                "timestamp": f"{day.isoformat()}T12:00:00Z",
            }
        ).encode()
        for index in range(visitors)
    ]
    *_, result = events_import(lines)
    assert result.imported == visitors
