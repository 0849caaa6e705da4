"""The dimension registry: every dimension a query can group or filter by, declared once.

A dimension's `level` says where its value comes from: one event (`event`), the visit's first
event or its first/last page view (`visit`), or the bucket of a local time range (`time`).
`column` names its source column in the event and visit rows (for `time`, the interval);
`labels` maps the stored small-integer codes of coded columns to the labels that results and
filters use.
"""

import re
from dataclasses import dataclass
from typing import Literal

from ingest.models import Channel, DeviceType, EventType, ScreenBucket

PROPS_PREFIX = "event:props:"
PROP_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")

Level = Literal["event", "visit", "time"]


@dataclass(frozen=True)
class Dimension:
    name: str
    level: Level
    description: str
    column: str
    labels: tuple[tuple[int, str], ...] = ()  # (code, label) of a coded column
    prop_key: str | None = None  # the property of `event:props:<key>`


def _labels(choices: list[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    return tuple((code, str(label)) for code, label in choices)


DIMENSIONS: dict[str, Dimension] = {
    dimension.name: dimension
    for dimension in (
        Dimension(
            name="event:page",
            level="event",
            description="The path of the event's page.",
            column="path",
        ),
        Dimension(
            name="event:name",
            level="event",
            description="A custom event's name (null for the other types).",
            column="event_name",
        ),
        Dimension(
            name="event:type",
            level="event",
            description="The type of the event (page_view, custom, outbound_link, ...).",
            column="event_type",
            labels=_labels(EventType.choices),
        ),
        Dimension(
            name="event:content_group",
            level="event",
            description="The content group of the event's page (null when none).",
            column="content_group",
        ),
        Dimension(
            name="visit:entry_page",
            level="visit",
            description="The path of the visit's first page view (its landing page).",
            column="entry_page",
        ),
        Dimension(
            name="visit:exit_page",
            level="visit",
            description="The path of the visit's last page view.",
            column="exit_page",
        ),
        Dimension(
            name="visit:entry_content_group",
            level="visit",
            description="The content group of the visit's first page view.",
            column="entry_group",
        ),
        Dimension(
            name="visit:exit_content_group",
            level="visit",
            description="The content group of the visit's last page view.",
            column="exit_group",
        ),
        Dimension(
            name="visit:source",
            level="visit",
            description="The referrer's domain of the visit (null for a direct visit).",
            column="referrer_domain",
        ),
        Dimension(
            name="visit:channel",
            level="visit",
            description="The channel of the visit (Direct, Organic Search, ...).",
            column="channel",
            labels=_labels(Channel.choices),
        ),
        *(
            Dimension(
                name=f"visit:utm_{part}",
                level="visit",
                description=f"The utm_{part} of the visit's first URL (null when none).",
                column=f"utm_{part}",
            )
            for part in ("source", "medium", "campaign", "term", "content")
        ),
        Dimension(
            name="visit:device",
            level="visit",
            description="The device type of the visit (desktop, mobile, tablet, ...).",
            column="device_type",
            labels=_labels(DeviceType.choices),
        ),
        Dimension(
            name="visit:browser",
            level="visit",
            description="The browser family of the visit.",
            column="browser_family",
        ),
        Dimension(
            name="visit:os",
            level="visit",
            description="The operating system family of the visit.",
            column="os_family",
        ),
        Dimension(
            name="visit:screen",
            level="visit",
            description="The screen width bucket of the visit (320-375, ..., unknown).",
            column="screen_bucket",
            labels=_labels(ScreenBucket.choices),
        ),
        Dimension(
            name="visit:country",
            level="visit",
            description="The visit's country, ISO 3166-1 alpha-2 (null when unknown).",
            column="country",
        ),
        Dimension(
            name="time:hour",
            level="time",
            description="Local hours, labelled by their first instant with the local offset "
            "(ranges of at most 31 days).",
            column="hour",
        ),
        Dimension(
            name="time:day",
            level="time",
            description="Local days, labelled YYYY-MM-DD.",
            column="day",
        ),
        Dimension(
            name="time:week",
            level="time",
            description="ISO weeks (from Monday), clipped to the range, labelled by their "
            "first day in it.",
            column="week",
        ),
        Dimension(
            name="time:month",
            level="time",
            description="Calendar months, clipped to the range, labelled by their first day in it.",
            column="month",
        ),
    )
}

PROPS_DESCRIPTION = (
    "A custom property of the event (key: 1 to 64 of A-Z a-z 0-9 _ . -): a string as is, a "
    "number or true/false as its JSON text; null when absent."
)


def dimension_get(name: str) -> Dimension:
    """The dimension called `name`, including any `event:props:<key>`; KeyError if none."""
    if name in DIMENSIONS:
        return DIMENSIONS[name]
    key = name.removeprefix(PROPS_PREFIX)
    if key != name and PROP_KEY.fullmatch(key):
        return Dimension(
            name=name,
            level="event",
            description=PROPS_DESCRIPTION,
            column="properties",
            prop_key=key,
        )
    raise KeyError(name)
