"""The filter AST and its parser: a query's `filters` JSON, checked once, as immutable nodes.

A leaf is `[op, dimension, values]` or `[op, dimension, values, {"case_sensitive": bool}]`;
compounds are `["and", [f, ...]]`, `["or", [f, ...]]` and `["not", f]`; a top-level list is an
`and` of its items. Every bound (values, items, depth, leaves, lengths) is checked here, so that
no reader meets an input it was not built for; a refusal names the offending part by its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from analytics_site.text import UNSTORABLE_CHARACTERS
from stats.dimensions import Dimension, dimension_get
from stats.errors import QueryError, shown

OPERATORS = ("is", "is_not", "contains", "contains_not", "matches", "matches_not")
COMPOUNDS = ("and", "or", "not")
NULLABLE_OPERATORS = frozenset({"is", "is_not"})
PATTERN_OPERATORS = frozenset({"matches", "matches_not"})
MAX_VALUES = 100
MAX_ITEMS = 20  # of the top-level list and of each and/or
MAX_DEPTH = 5  # a top-level item is at depth 1
MAX_LEAVES = 50
MAX_VALUE_LENGTH = 1024
MAX_PATTERN_LENGTH = 256
SHAPES = '[op, dimension, values], ["and", [filters]], ["or", [filters]] or ["not", filter]'


@dataclass(frozen=True)
class Leaf:
    op: str
    dimension: Dimension
    values: tuple[str | None, ...]
    case_sensitive: bool = True


@dataclass(frozen=True)
class And:
    items: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    item: Filter


Filter = Leaf | And | Or | Not


def filters_parse(value: object, *, path: str = "filters") -> tuple[Filter, ...]:
    """The filters of a query (a list, possibly empty); raises QueryError."""
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise QueryError(path, f"must be a list of at most {MAX_ITEMS} filters")
    parser = _FilterParser()
    return tuple(
        parser.parse(item, path=f"{path}[{index}]", depth=1) for index, item in enumerate(value)
    )


def filter_leaves(node: Filter) -> Iterator[Leaf]:
    """Every leaf of a filter, depth first."""
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, Not):
        yield from filter_leaves(node.item)
    else:
        for item in node.items:
            yield from filter_leaves(item)


def filter_as_json(node: Filter) -> list:
    """The normalised JSON of a filter: the options object always present."""
    if isinstance(node, Leaf):
        return [
            node.op,
            node.dimension.name,
            list(node.values),
            {"case_sensitive": node.case_sensitive},
        ]
    if isinstance(node, Not):
        return ["not", filter_as_json(node.item)]
    return ["and" if isinstance(node, And) else "or", [filter_as_json(i) for i in node.items]]


class _FilterParser:
    """Parses one query's filters, counting their leaves across the whole tree."""

    def __init__(self) -> None:
        self.leaves = 0

    def parse(self, value: object, *, path: str, depth: int) -> Filter:
        # Checked before looking inside, so that no nesting, however deep, is walked.
        if depth > MAX_DEPTH:
            raise QueryError(path, f"filters nest at most {MAX_DEPTH} deep")
        if not isinstance(value, list) or not value:
            raise QueryError(path, f"must be a filter: {SHAPES}")
        op = value[0]
        if not isinstance(op, str):
            raise QueryError(f"{path}[0]", "must be an operator name")
        if op not in OPERATORS + COMPOUNDS:
            raise QueryError(
                f"{path}[0]",
                f"unknown operator {shown(op)}; one of {', '.join(OPERATORS + COMPOUNDS)}",
            )
        if op == "not":
            if len(value) != 2:
                raise QueryError(path, 'must be ["not", filter]')
            return Not(self.parse(value[1], path=f"{path}[1]", depth=depth + 1))
        if op in ("and", "or"):
            if len(value) != 2:
                raise QueryError(path, f'must be ["{op}", [filters]]')
            items = value[1]
            if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
                raise QueryError(f"{path}[1]", f"must be a list of 1 to {MAX_ITEMS} filters")
            parsed = tuple(
                self.parse(item, path=f"{path}[1][{index}]", depth=depth + 1)
                for index, item in enumerate(items)
            )
            return And(parsed) if op == "and" else Or(parsed)
        return self._leaf(value, op=op, path=path)

    def _leaf(self, value: list, *, op: str, path: str) -> Leaf:
        self.leaves += 1
        if self.leaves > MAX_LEAVES:
            raise QueryError(path, f"at most {MAX_LEAVES} conditions in all filters")
        if len(value) not in (3, 4):
            raise QueryError(path, f'must be ["{op}", dimension, values] (and options)')
        name = value[1]
        if not isinstance(name, str):
            raise QueryError(f"{path}[1]", "must be a dimension name")
        try:
            dimension = dimension_get(name)
        except KeyError:
            raise QueryError(f"{path}[1]", f"unknown dimension {shown(name)}") from None
        if dimension.level == "time":
            raise QueryError(f"{path}[1]", "time dimensions cannot be filtered: use date_range")
        values = value[2]
        if not isinstance(values, list) or not 1 <= len(values) <= MAX_VALUES:
            raise QueryError(f"{path}[2]", f"must be a list of 1 to {MAX_VALUES} values")
        for index, item in enumerate(values):
            _value_check(item, op=op, path=f"{path}[2][{index}]")
        case_sensitive = _options_parse(value[3], path=f"{path}[3]") if len(value) == 4 else True
        return Leaf(op=op, dimension=dimension, values=tuple(values), case_sensitive=case_sensitive)


def _value_check(value: object, *, op: str, path: str) -> None:
    if value is None:
        if op not in NULLABLE_OPERATORS:
            raise QueryError(path, "null (a missing value) can be listed only with is or is_not")
        return
    if not isinstance(value, str):
        raise QueryError(path, "must be a string")
    limit = MAX_PATTERN_LENGTH if op in PATTERN_OPERATORS else MAX_VALUE_LENGTH
    if len(value) > limit:
        raise QueryError(path, f"must be at most {limit} characters")
    if UNSTORABLE_CHARACTERS.search(value):
        raise QueryError(path, "must not contain control characters or invalid Unicode")


def _options_parse(options: object, *, path: str) -> bool:
    """The case sensitivity of a leaf: its only option."""
    if not isinstance(options, dict):
        raise QueryError(path, 'must be an object such as {"case_sensitive": false}')
    for key in options:
        if key != "case_sensitive":
            raise QueryError(
                path, f"unknown option {shown(str(key))}; the only one is case_sensitive"
            )
    case_sensitive = options.get("case_sensitive", True)
    if not isinstance(case_sensitive, bool):
        raise QueryError(f"{path}.case_sensitive", "must be true or false")
    return case_sensitive
