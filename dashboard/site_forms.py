"""The forms of the site pages. Each field checks with `websites.validators`, as the API does;
the services then save (and refuse a domain already in the account)."""

import json

from django import forms
from django.forms.fields import InvalidJSONInput

from websites.models import Website
from websites.validators import (
    timezone_names,
    validate_content_groups,
    validate_domain,
    validate_excluded_ips,
    validate_timezone,
)


def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(timezone_names())]


class WebsiteAddForm(forms.Form):
    domain = forms.CharField(
        max_length=255,
        validators=[validate_domain],
        help_text="The host name the tracker runs on, e.g. example.com.",
    )
    timezone = forms.ChoiceField(
        label="Time zone",
        choices=_timezone_choices,
        initial="UTC",
        validators=[validate_timezone],
        help_text="Every day of the site's reports is a day of this zone.",
    )


class JSONListField(forms.JSONField):
    """A JSON list as the API takes it, shown one item a line; empty shows empty."""

    # json recurses once per level: text nested past Python's stack is refused, and shown back
    # as it was typed.
    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError:
            raise forms.ValidationError("Enter valid JSON: it is nested too deep.") from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)

    def prepare_value(self, value):
        if not value:
            return ""
        if isinstance(value, list):
            return "[\n" + ",\n".join(json.dumps(item) for item in value) + "\n]"
        return super().prepare_value(value)


class LinesField(forms.CharField):
    """One item a line; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in super().to_python(value).splitlines() if line.strip()]


class WebsiteSettingsForm(WebsiteAddForm):
    content_groups = JSONListField(
        label="Content groups",
        required=False,
        validators=[validate_content_groups],
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text='A JSON list of {"name": …, "pattern": "/blog/*"}: the first pattern a page '
        "matches names its group.",
    )
    excluded_ips = LinesField(
        label="Excluded IP addresses",
        required=False,
        validators=[validate_excluded_ips],
        help_text="One IPv4/IPv6 address or CIDR range a line: their traffic is never counted.",
    )

    @classmethod
    def for_website(cls, website: Website, data=None) -> "WebsiteSettingsForm":
        initial = {
            "domain": website.domain,
            "timezone": website.timezone,
            "content_groups": website.content_groups,
            "excluded_ips": website.excluded_ips,
        }
        return cls(data=data, initial=initial)

    def clean_content_groups(self) -> list:
        return self.cleaned_data["content_groups"] or []  # an emptied field
