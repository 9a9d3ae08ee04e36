"""Billing settings in the configuration admin (``/config/``).

Invoices are not in the admin at all: a posted invoice is never changed or deleted, and the
billing screens (``/billing/``) are where invoices are seen and corrected.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from regie.billing.models import BillingSettings
from regie.core.admin_site import OrgAdmin, site

PREFIXES = ("invoice_prefix", "reminder_prefix", "plan_prefix", "prepayment_prefix")
PREFIXES += ("fee_prefix",)


class BillingSettingsForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = list(PREFIXES)
        help_texts = {
            name: _("Three digits that start the structured communications of these documents.")
            for name in PREFIXES
        }

    def clean(self):
        data = super().clean()
        seen: dict[str, str] = {}
        for name in PREFIXES:
            value = data.get(name)
            if value is None:
                continue
            if len(value) != 3 or not value.isdigit():
                self.add_error(name, _("A prefix is three digits, like 101."))
            elif value in seen:
                self.add_error(name, _("Each kind of document needs its own prefix."))
            seen[value] = name
        return data


@admin.register(BillingSettings, site=site)
class BillingSettingsAdmin(OrgAdmin):
    form = BillingSettingsForm
    list_display = ("__str__", *PREFIXES)

    def has_add_permission(self, request) -> bool:
        # One row per organisation (a database constraint says so too).
        return super().has_add_permission(request) and not self.get_queryset(request).exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
