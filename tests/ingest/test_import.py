"""`manage.py import_events`: NDJSON history through the collect pipeline, in bulk."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from ingest.models import DailySalt, Event
from tests.factories import website_make
from tests.ingest.helpers import CHROME, GOOGLEBOT, event_body

pytestmark = pytest.mark.django_db


def line(
    website, *, ip="203.0.113.5", user_agent=CHROME, timestamp="2026-03-01T10:00:00Z", **fields
):
    return json.dumps(
        {
            **event_body(website, **fields),
            "ip": ip,
            "user_agent": user_agent,
            "timestamp": timestamp,
        }
    )


def run_import(tmp_path, lines: list[str]) -> tuple[str, str]:
    source = tmp_path / "events.ndjson"
    source.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe not utf-8\n")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_events", str(source), "--no-progress", "--batch-size", "2", stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def test_import_counts_and_stores_with_each_days_salt(tenant, tmp_path):
    site = website_make(account=tenant.account, excluded_ips=["10.0.0.0/8"])
    ghost = website_make()
    ghost_line = line(ghost)
    ghost.delete()
    lines = [
        line(site, timestamp="2026-03-01T10:00:00Z"),
        line(site, timestamp="2026-03-01T10:05:00+00:00", path="/about"),
        line(site, timestamp="2026-03-02T09:00:00Z"),
        line(site, user_agent=GOOGLEBOT),
        line(site, ip="10.1.1.1"),
        ghost_line,
        '{"not": "an event"}',
        "{broken",
        line(site, timestamp="yesterday"),
    ]
    out, err = run_import(tmp_path, lines)

    assert out.strip().splitlines()[-1] == (
        "imported 3, dropped 3 (bots 1, excluded 1, unknown site 1), invalid 4"
    )
    assert (
        "line 7:" in err and "line 8:" in err and "line 9: timestamp" in err and "line 10:" in err
    )
    events = Event.objects.filter(website=site).order_by("timestamp")
    assert events.count() == 5  # bots and excluded are stored flagged, as collect stores them
    assert events.filter(is_bot=True).count() == 1 and events.filter(is_excluded=True).count() == 1
    day1 = [
        e
        for e in events
        if e.timestamp.date() == datetime(2026, 3, 1, tzinfo=UTC).date()
        and not e.is_bot
        and not e.is_excluded
    ]
    day2 = [e for e in events if e.timestamp.date() == datetime(2026, 3, 2, tzinfo=UTC).date()]
    # Same visitor: one hash within a day, another the next day (each day has its own salt).
    assert day1[0].ip_hash == day1[1].ip_hash != day2[0].ip_hash
    assert DailySalt.objects.filter(day__in=["2026-03-01", "2026-03-02"]).count() == 2


def test_import_reads_stdin(website, monkeypatch):
    import sys

    data = (line(website) + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out = io.StringIO()
    call_command("import_events", "-", "--no-progress", stdout=out)
    assert (
        out.getvalue()
        .strip()
        .endswith("imported 1, dropped 0 (bots 0, excluded 0, unknown site 0), invalid 0")
    )
    assert Event.objects.filter(website=website).count() == 1


def test_import_stores_the_five_utm_values_from_the_url_or_the_line(website, tmp_path):
    url = "https://example.com/?utm_source=ads&utm_medium=cpc&utm_term=shoes&utm_content=banner"
    lines = [
        line(website, url=url, path="/from-url"),
        line(website, url=url, path="/from-line", utm_term="boots", utm_content="text-ad"),
        line(website, url=url, path="/too-long", utm_content="c" * 256),
        line(website, url=url + "%00", path="/control"),
    ]
    out, err = run_import(tmp_path, lines)
    assert out.strip().splitlines()[-1].startswith("imported 2, ")
    assert "line 3: utm_content: at most 255" in err
    assert "line 4: url: utm_content: must not contain control" in err
    stored = Event.objects.values_list(
        "path", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"
    )
    assert sorted(stored) == [
        ("/from-line", "ads", "cpc", None, "boots", "text-ad"),
        ("/from-url", "ads", "cpc", None, "shoes", "banner"),
    ]
