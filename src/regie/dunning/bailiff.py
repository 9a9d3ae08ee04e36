"""The bailiff's list of an endorsed enforcement-order list: an XLSX, one row per invoice.

It is the only place where Regie writes a debtor's national number for collection, so it is
downloaded by the finance officer only, once the board's decision is recorded, and every
download is written to the audit log.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from regie.core.models import AuditLog
from regie.core.validators import format_national_number
from regie.core.views import audit, require_capability
from regie.dunning.order_models import OrderInvoice, OrderList, OrderListStatus
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
    """Return one row per invoice under the list's orders, debtor by debtor."""
    items = (
        OrderInvoice.objects.filter(order__order_list=order_list)
        .select_related("order__person", "order__formal_notice", "invoice")
        .order_by("order__person__last_name", "order__person__first_name", "order_id", "pk")
    )
    rows = []
    for item in items:
        person = item.order.person
        address = ", ".join(
            p for p in (person.street, f"{person.postcode} {person.city}".strip()) if p
        )
        national = format_national_number(person.national_number) if person.national_number else ""
        rows.append(
            [
                str(person),
                national,
                address,
                item.order.formal_notice.number,
                item.invoice.number,
                item.invoice.due_date,
                item.open_cents,
                order_list.decision_date,
                order_list.decision_reference,
            ]
        )
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
