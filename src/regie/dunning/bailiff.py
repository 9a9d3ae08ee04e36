"""The bailiff's list of an endorsed enforcement-order list: an XLSX, one row per invoice.

It is the only place where Regie writes a debtor's national number for collection, so it is
downloaded by the finance officer only, once the board's decision is recorded, and every
download is written to the audit log.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from regie.core.models import AuditLog
from regie.core.validators import format_national_number
from regie.core.views import audit, require_capability
from regie.dunning.collection import fee_open
from regie.dunning.models import Reminder
from regie.dunning.order_models import EnforcementOrder, OrderInvoice, OrderList, OrderListStatus
from regie.exports.xlsx import DATE, MONEY, Column, table_workbook, xlsx_response


def bailiff_columns() -> list[Column]:
    """Return the list's columns, translated in the reader's language."""
    return [
        Column(_("Debtor"), width=28),
        Column(_("National number"), width=16),
        Column(_("Address"), width=40),
        Column(_("Formal notice"), width=18),
        Column(_("Invoice"), width=18),
        Column(_("Due date"), DATE, width=12),
        Column(_("Open"), MONEY, width=12),
        Column(_("Decision date"), DATE, width=12),
        Column(_("Decision reference"), width=20),
    ]


def bailiff_rows(order_list: OrderList) -> list[list]:
    """Return one row per invoice under the list's orders, debtor by debtor, then one per
    reminder fee still open of those invoices' reminders (the fee's reminder in place of the
    invoice)."""
    orders = (
        EnforcementOrder.objects.filter(order_list=order_list)
        .select_related("person", "formal_notice")
        .prefetch_related(
            Prefetch("items", OrderInvoice.objects.select_related("invoice").order_by("pk"))
        )
        .order_by("person__last_name", "person__first_name", "pk")
    )
    rows = []
    for order in orders:
        person = order.person
        address = ", ".join(
            p for p in (person.street, f"{person.postcode} {person.city}".strip()) if p
        )
        national = format_national_number(person.national_number) if person.national_number else ""
        items = list(order.items.all())
        debtor = [str(person), national, address, order.formal_notice.number]
        decision = [order_list.decision_date, order_list.decision_reference]
        rows += [
            [*debtor, item.invoice.number, item.invoice.due_date, item.open_cents, *decision]
            for item in items
        ]
        reminders = Reminder.objects.filter(
            cancelled_at__isnull=True,
            fee_cents__gt=0,
            items__invoice_id__in=[item.invoice_id for item in items],
        ).distinct()
        for reminder in reminders.order_by("issued_on", "pk"):
            cents = fee_open(reminder)
            if cents > 0:
                label = _("Reminder fee %(number)s") % {"number": reminder.number}
                rows.append([*debtor, label, reminder.due_date, cents, *decision])
    return rows


def bailiff_list_download(request, pk: int):
    """Download the bailiff's list of an endorsed list (national numbers: logged)."""
    require_capability(request, "finance.edit")
    require_capability(request, "registry.view_national_number")
    order_list = get_object_or_404(OrderList, pk=pk, status=OrderListStatus.ENDORSED)
    rows = bailiff_rows(order_list)
    title = _("Bailiff's list")
    subtitle = _("Board's decision of %(date)s, reference %(reference)s") % {
        "date": order_list.decision_date.strftime("%d/%m/%Y"),
        "reference": order_list.decision_reference,
    }
    content = table_workbook(
        title=title,
        columns=bailiff_columns(),
        rows=rows,
        totals=[_("Total"), "", "", "", "", None, sum(r[6] for r in rows), None, ""],
        subtitle=subtitle,
    )
    name = f"huissier-{order_list.decision_date.isoformat()}-{order_list.pk}"
    audit(request, action=AuditLog.Action.EXPORT, obj=order_list, detail=f"{name}.xlsx")
    return xlsx_response(content, name)
