"""The stored form of one event: a named tuple in the buffer's and COPY's column order.

Values are already in PostgreSQL's text form (ISO timestamps, hex hashes, JSON text), so the
drainer passes them through untouched; in the buffer a row is a JSON array of these fields.
New columns are only ever appended, so that a row buffered by an older version is a prefix of
this version's row (see EventRow.from_buffer).
"""

from typing import NamedTuple


class EventRow(NamedTuple):
    website_id: str
    timestamp: str
    event_type: int
    event_name: str | None
    path: str
    referrer_domain: str | None
    referrer_channel: int
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    browser_family: str
    os_family: str
    device_type: int
    screen_bucket: int
    country: str | None
    ip_hash: str
    content_group: str | None
    is_bot: bool
    is_excluded: bool
    properties: str | None
    # Appended after `properties`: rows buffered before these columns existed lack them.
    utm_term: str | None
    utm_content: str | None

    @classmethod
    def from_buffer(cls, values: object) -> "EventRow":
        """The row of a decoded buffer entry (or dead letter): this version's or an older one's.

        An older version's row has the leading fields only; the columns added since are NULL.
        Raises TypeError for anything else.
        """
        if not isinstance(values, list):
            raise TypeError(f"a row is a JSON array, not {type(values).__name__}")
        if len(values) not in (len(cls._fields), _OLDER_ROW_LENGTH):
            raise TypeError(
                f"a row has {len(cls._fields)} fields ({_OLDER_ROW_LENGTH} before utm_term and "
                f"utm_content), not {len(values)}"
            )
        return cls(*values, *(None,) * (len(cls._fields) - len(values)))


# The fields of a row buffered by the versions before utm_term and utm_content: such rows may
# still wait in Redis, or among the dead letters, after an upgrade.
_OLDER_ROW_LENGTH = 20

EVENT_COLUMNS = EventRow._fields
