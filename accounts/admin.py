from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import AdminForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import AdminPasswordForm
from accounts.models import Account, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at"]
    search_fields = ["name", "=id"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    # As the API does: users go at once, websites are purged in the background.
    def delete_model(self, request, obj):
        services.account_delete(account=obj)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            services.account_delete(account=account)


class UserAdminForm(forms.ModelForm):
    def clean_email(self):
        email = self.cleaned_data.get("email") or None
        # The model's own constraint check skips the sign-in email rule: the form lacks
        # `password`, which the rule's condition reads.
        if self.instance.password:
            services.user_sign_in_email_check(user=self.instance, email=email)
        return email


class CanSignInFilter(admin.SimpleListFilter):
    title = "can sign in"
    parameter_name = "can_sign_in"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(password="")
        if self.value() == "no":
            return queryset.filter(password="")
        return queryset


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserAdminForm
    list_display = ["__str__", "role", "account", "can_sign_in", "created_at"]
    list_filter = ["role", CanSignInFilter]
    list_select_related = ["account"]
    search_fields = ["email", "=id", "account__name"]
    autocomplete_fields = ["account"]
    readonly_fields = ["id", "sign_in_password", "last_login", "created_at"]
    actions = ["rotate_api_keys", "remove_passwords"]
    show_full_result_count = False

    # The password's hash is never shown: whether there is one, and where to set it.
    @admin.display(boolean=True, description="can sign in")
    def can_sign_in(self, user: User) -> bool:
        return bool(user.password)

    @admin.display(description="sign-in password")
    def sign_in_password(self, user: User) -> str:
        if user.pk is None:
            return "Set one once the user is saved."
        url = reverse("admin:accounts_user_password", args=[user.pk])
        if user.password:
            return format_html('Set. <a href="{}">Change or remove it</a>.', url)
        return format_html('None: the user cannot sign in. <a href="{}">Set one</a>.', url)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/password/",
                self.admin_site.admin_view(self.password_view),
                name="accounts_user_password",
            ),
            *super().get_urls(),
        ]

    @method_decorator(sensitive_post_parameters())
    def password_view(self, request, object_id):
        """Sets (or, with "remove", removes) an API user's sign-in password."""
        user = self.get_object(request, object_id)
        if user is None:
            raise Http404("No such API user.")
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        change_url = reverse("admin:accounts_user_change", args=[user.pk])
        if request.method == "POST" and "remove" in request.POST:
            services.user_password_set(user=user, password=None)
            self.log_change(request, user, "Removed the sign-in password.")
            self.message_user(request, f"{user} can no longer sign in.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        form = AdminPasswordForm(user, request.POST if request.method == "POST" else None)
        if form.is_valid():
            form.save()
            self.log_change(request, user, "Set the sign-in password.")
            self.message_user(request, f"{user} signs in with the new password.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Sign-in password: {user}",
            "adminform": AdminForm(form, [(None, {"fields": list(form.base_fields)})], {}),
            "form": form,
            "opts": self.opts,
            "original": user,
        }
        return TemplateResponse(request, "admin/accounts/user/password.html", context)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        api_key = services.user_issue_api_key(user=obj)
        self.message_user(
            request,
            f"API key for {obj}: {api_key} (shown once; admins can read it back via the API).",
            messages.WARNING,
        )

    @admin.action(description="Rotate API keys of the selected users")
    def rotate_api_keys(self, request, queryset):
        for user in queryset.select_related("account"):
            api_key = services.user_issue_api_key(user=user)
            self.message_user(request, f"New API key for {user}: {api_key}", messages.WARNING)

    @admin.action(description="Remove the sign-in passwords of the selected users")
    def remove_passwords(self, request, queryset):
        for user in queryset.exclude(password=""):
            services.user_password_set(user=user, password=None)
            self.log_change(request, user, "Removed the sign-in password.")
        self.message_user(request, "The selected users can no longer sign in.", messages.SUCCESS)
