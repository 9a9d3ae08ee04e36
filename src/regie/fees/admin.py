"""Services in the configuration admin (``/config/``): settings and the system's token;
the call-backs to their systems with every attempt (read-only).

A new service's token is shown once, in a message; the action gives a new one (the old one
stops at once). The signing secret of the call-backs is shown to give it to the integrator, to
those who may change the service only (the auditor reads the rest).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from regie.core.admin_site import OrgAdmin, https_formfield, site
from regie.core.money import format_cents
from regie.fees import online, services
from regie.fees.models import Callback, CallbackAttempt, Checkout, MollieSettings, Service
from regie.payments.admin import ReadOnlyAdmin


@admin.register(Service, site=site)
class ServiceAdmin(OrgAdmin):
    list_display = ("name", "category", "budget_article", "default_way", "is_active", "token_hint")
    list_filter = ("is_active", "default_way")
    search_fields = ("name",)
    readonly_fields = ("token_hint", "callback_secret")
    actions = ["new_token"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [name for name in fields if name != "callback_secret"]

    def save_model(self, request, obj, form, change):
        services.service_save(service=obj)
        if not change:
            self._show_token(request, obj, services.service_token_new(service=obj))

    @admin.action(
        description=_("Give a new token to the selected services (their old token stops working)"),
        permissions=["change"],
    )
    def new_token(self, request, queryset):
        for service in queryset:
            self._show_token(request, service, services.service_token_new(service=service))

    def _show_token(self, request, service: Service, token: str) -> None:
        self.message_user(
            request,
            gettext(
                "Token of %(service)s: %(token)s — give it to the service's software now; it is "
                "shown only this once (only its fingerprint is kept)."
            )
            % {"service": service.name, "token": token},
            messages.WARNING,
        )


class AttemptInline(admin.TabularInline):
    model = CallbackAttempt
    fields = ("at", "status_code", "error", "milliseconds")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Callback, site=site)
class CallbackAdmin(ReadOnlyAdmin):
    """Call-backs to services' systems, with every attempt: read-only, retried by the worker."""

    list_display = ("file", "url", "status", "attempts", "next_at", "acknowledged_at")
    list_filter = ("status",)
    list_select_related = ("file__service",)
    search_fields = ("file__external_id",)
    fields = ("file", "url", "body", "status", "attempts", "next_at", "acknowledged_at")
    readonly_fields = fields
    inlines = [AttemptInline]


class MollieSettingsForm(forms.ModelForm):
    """The API key is typed, never shown again: empty keeps the stored one."""

    new_api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "The key of the Mollie account (test_… or live_…), from Mollie's dashboard. Leave "
            "empty to keep the stored key."
        ),
    )

    class Meta:
        model = MollieSettings
        fields = ("new_api_key", "api_endpoint", "is_active")
        formfield_callback = https_formfield

    def clean_new_api_key(self):
        key = self.cleaned_data["new_api_key"].strip()
        if key and not key.startswith(("test_", "live_")):
            raise forms.ValidationError(_("A Mollie API key starts with test_ or live_."))
        if not key and not (self.instance and self.instance.api_key):
            raise forms.ValidationError(_("Type the API key of the Mollie account."))
        return key


@admin.register(MollieSettings, site=site)
class MollieSettingsAdmin(OrgAdmin):
    """The organisation's Mollie account; its API key is a secret nobody reads back."""

    form = MollieSettingsForm
    list_display = ("__str__", "api_endpoint", "is_active")
    readonly_fields = ("key_hint",)

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return ("new_api_key", "key_hint", "api_endpoint", "is_active")
        return ("key_hint", "api_endpoint", "is_active")

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        return not MollieSettings.objects.exists()

    def save_model(self, request, obj, form, change):
        online.mollie_settings_save(settings=obj, api_key=form.cleaned_data.get("new_api_key", ""))


@admin.register(Checkout, site=site)
class CheckoutAdmin(ReadOnlyAdmin):
    """Payments created at Mollie and their status as Mollie last told it (read-only)."""

    list_display = ("created_at", "mollie_id", "communication", "amount", "status", "recorded_at")
    list_filter = ("status",)
    search_fields = ("mollie_id", "communication", "file__external_id")
    fields = (
        "mollie_id",
        "communication",
        "amount",
        "file",
        "status",
        "method",
        "created_at",
        "updated_at",
        "recorded_at",
    )
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount(self, checkout):
        return format_cents(checkout.amount_cents)
