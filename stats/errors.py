"""The refusal of a query, shared by the parsers of its parts (query, filters)."""

import json

SHOWN_CHARACTERS = 64


class QueryError(Exception):
    """A refused query: `path` names the part of the body at fault (`metrics[2]`, `filters[0][1]`,
    `pagination.limit`), so that a client can tell which of its many parts to fix."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def shown(value: str) -> str:
    """A client's string quoted for an error message: shortened, and ASCII-escaped so that no
    control character or lone surrogate reaches the rendered answer."""
    if len(value) > SHOWN_CHARACTERS:
        value = value[:SHOWN_CHARACTERS] + "..."
    return json.dumps(value)
