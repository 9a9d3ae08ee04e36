"""Configuration of the chart of accounts; entries and their lines, read-only (``/config/``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from regie.core.admin_site import OrgAdmin, site
from regie.core.money import format_cents
from regie.ledger.chart import chart_complete
from regie.ledger.models import Account, Entry, EntryLine
from regie.ledger.services import account_name


class AccountForm(forms.ModelForm):
    """Refuse a second account for a role and category, and moving an account with lines."""

    class Meta:
        model = Account
        fields = ["code", "name", "role", "category", "is_active"]

    def clean(self):
        cleaned = super().clean()
        role, category = cleaned.get("role"), cleaned.get("category")
        account = self.instance
        moved = (role, category and category.pk) != (account.role, account.category_id)
        if account.pk and moved and account.lines.exists():
            raise forms.ValidationError(
                _(
                    "This account already has entries: its role and category stay as they are "
                    "(its code and name may change)."
                )
            )
        twin = Account.objects.filter(role=role, category=category).exclude(pk=account.pk).first()
        if role and twin:
            raise forms.ValidationError(
                _("Account %(account)s already has this role and category; postings use it.")
                % {"account": twin}
            )
        return cleaned


@admin.register(Account, site=site)
class AccountAdmin(OrgAdmin):
    form = AccountForm
    list_display = ("code", "shown_name", "role", "category", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("code", "name")
    change_list_template = "admin/ledger/account/change_list.html"

    @admin.display(description=_("name"), ordering="name")
    def shown_name(self, account):
        return account_name(account)

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.default_chart))
        return [path("default-chart/", view, name="ledger_account_default_chart")] + (
            super().get_urls()
        )

    def default_chart(self, request):
        """Create the default accounts the organisation lacks."""
        if not self.has_add_permission(request) or request.organisation is None:
            raise PermissionDenied
        created = chart_complete()
        if created:
            message = gettext("Accounts created: %(codes)s.") % {
                "codes": ", ".join(a.code for a in created)
            }
        else:
            message = gettext("The chart already holds every default account.")
        self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:ledger_account_changelist")


class NoWrites:
    """Posted ledger rows: viewable, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWrites, OrgAdmin):
    pass


class LineInline(NoWrites, admin.TabularInline):
    model = EntryLine
    fields = ("account", "debit_euros", "credit_euros", "person", "category", "label")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("debit"))
    def debit_euros(self, line):
        return format_cents(line.debit) if line.debit else ""

    @admin.display(description=pgettext_lazy("ledger column", "credit"))
    def credit_euros(self, line):
        return format_cents(line.credit) if line.credit else ""


@admin.register(Entry, site=site)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "journal", "date", "document", "label", "created_at")
    list_filter = ("journal",)
    search_fields = ("document", "label")
    date_hierarchy = "date"
    inlines = [LineInline]


@admin.register(EntryLine, site=site)
class EntryLineAdmin(ReadOnlyAdmin):
    list_display = ("entry", "date", "account", "debit_euros", "credit_euros", "person", "category")
    list_filter = ("account", "category")
    search_fields = ("entry__document", "label")
    date_hierarchy = "date"
    list_select_related = ("entry", "account", "person", "category")
    debit_euros = LineInline.debit_euros
    credit_euros = LineInline.credit_euros
