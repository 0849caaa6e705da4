"""How the dashboard writes figures and filters for people (the exact figures stay in
`data-value`)."""

from django import template

from stats.filters import Filter, Leaf, filter_as_json

register = template.Library()

METRIC_LABELS = {
    "visitors": "Visitors",
    "visits": "Visits",
    "pageviews": "Pageviews",
    "views_per_visit": "Views per visit",
    "bounce_rate": "Bounce rate",
    "visit_duration": "Visit duration",
    "events": "Events",
}
# A fall in these is good news.
LOWER_IS_BETTER = frozenset({"bounce_rate"})
OPERATOR_TEXT = {
    "is": "is",
    "is_not": "is not",
    "contains": "contains",
    "contains_not": "does not contain",
    "matches": "matches",
    "matches_not": "does not match",
}
NONE_TEXT = "(none)"


@register.filter
def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


@register.filter
def metric_text(value: int | float | None, metric: str) -> str:
    """12,345 as 12.3k, a rate with %, seconds as 1m 05s."""
    if value is None:
        return "—"
    if metric == "bounce_rate":
        return f"{value:g}%"
    if metric == "views_per_visit":
        return f"{value:.2f}"
    if metric == "visit_duration":
        return duration_text(int(value))
    return compact(value)


def compact(value: int | float) -> str:
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            shown = f"{value / size:.1f}".removesuffix(".0")
            return f"{shown}{suffix}"
    return f"{value:g}"


def duration_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


@register.filter
def change_text(change: float | None) -> str:
    if change is None:  # nothing to compare with
        return "—"
    sign = "+" if change > 0 else "\u2212" if change < 0 else "±"
    return f"{sign}{abs(change):g}%"


@register.filter
def change_class(change: float | None, metric: str) -> str:
    """good, bad or flat: whether the change is welcome for this metric."""
    if not change:
        return "flat"
    better = change < 0 if metric in LOWER_IS_BETTER else change > 0
    return "good" if better else "bad"


@register.filter
def value_text(value: str | None) -> str:
    return NONE_TEXT if value is None else value


@register.filter
def filter_text(node: Filter, labels: dict) -> str:
    """`Referrer is google.com or t.co`; a compound filter as its JSON."""
    if not isinstance(node, Leaf):
        return str(filter_as_json(node))
    label = labels.get(node.dimension.name, node.dimension.name)
    values = " or ".join(NONE_TEXT if value is None else value for value in node.values)
    return f"{label} {OPERATOR_TEXT[node.op]} {values}"
