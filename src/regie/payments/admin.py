"""Bank files, statements, movements, payments and refunds in the configuration: read-only.

They change only through the payment screens and services, which write the ledger entries.
"""

from __future__ import annotations

from django.contrib import admin

from regie.core.admin_site import OrgAdmin, site
from regie.payments.models import (
    BankAccount,
    BankMovement,
    BankStatement,
    MovementOutcome,
    Payment,
    Refund,
    StatementFile,
)


class ReadOnlyAdmin(OrgAdmin):
    """Viewable by the roles that may see the configuration; never added, changed, deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(BankAccount, site=site)
class BankAccountAdmin(OrgAdmin):
    """The organisation's bank accounts: only their statements are imported."""

    list_display = ("iban", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("iban", "name")

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate it instead: its statements stay in the history


@admin.register(StatementFile, site=site)
class StatementFileAdmin(ReadOnlyAdmin):
    list_display = ("name", "format", "imported_at", "imported_by", "movements_new")
    search_fields = ("name",)
    date_hierarchy = "imported_at"


@admin.register(BankStatement, site=site)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ("account", "number", "new_balance_date", "new_balance_cents", "gap")
    list_filter = ("gap", "account")
    list_select_related = ("file",)


@admin.register(BankMovement, site=site)
class BankMovementAdmin(ReadOnlyAdmin):
    list_display = ("entry_date", "amount_cents", "reference", "counterparty_name", "status")
    list_filter = ("status",)
    search_fields = ("reference", "communication", "counterparty_name")
    date_hierarchy = "entry_date"
    list_select_related = ("statement",)


@admin.register(Payment, site=site)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("date", "person", "amount_cents", "mode", "receipt_number", "cancelled_at")
    list_filter = ("mode",)
    search_fields = ("person__last_name", "receipt_number", "comment")
    date_hierarchy = "date"
    list_select_related = ("person",)


@admin.register(Refund, site=site)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("date", "person", "name", "amount_cents", "iban", "batch", "cancelled_at")
    search_fields = ("person__last_name", "name", "batch", "iban")
    date_hierarchy = "date"
    list_select_related = ("person",)


@admin.register(MovementOutcome, site=site)
class MovementOutcomeAdmin(ReadOnlyAdmin):
    list_display = ("date", "movement", "outcome", "note", "refund", "undone_on")
    list_filter = ("outcome",)
    search_fields = ("note", "movement__counterparty_name")
    date_hierarchy = "date"
    list_select_related = ("movement", "refund__person")
