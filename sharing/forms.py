from django import forms

from dashboard.site_forms import JSONListField


class SharedLinkForm(forms.Form):
    label = forms.CharField(
        max_length=100,
        required=False,
        help_text="For you: who or what the link is for.",
    )
    password = forms.CharField(
        required=False,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Optional: visitors then give it before they see anything.",
    )
    filters = JSONListField(
        label="Locked filters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text='Optional, the query API\'s filters, e.g. [["is", "visit:country", ["DE"]]]: '
        "every figure of the link is filtered by them, and visitors cannot remove them.",
    )


class SharedLinkPasswordForm(forms.Form):
    password = forms.CharField(
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
