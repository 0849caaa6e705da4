"""The JSON parser of every DRF endpoint: DRF's, with a bound on nesting.

Python's json module recurses once per level: a body of a few thousand `[` exhausts the
recursion limit (a RecursionError, a 500), and even a few hundred levels would crash whatever
walks the data later (serializers, the JSON renderer). The body's size is bounded before it is
read, by DATA_UPLOAD_MAX_MEMORY_SIZE (see analytics_site.api.exceptions).
"""

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        _depth_check(data)
        return data


def _depth_check(data: Any) -> None:
    """Iterative, so it cannot itself run out of stack."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        stack.extend((child, depth + 1) for child in children)


def _too_deep() -> ValidationError:
    return ValidationError({"body": f"JSON nested more than {MAX_JSON_DEPTH} levels deep."})
