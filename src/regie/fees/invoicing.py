"""Files paid afterwards (DOMAIN §8): their approval issues an invoice like any other.

The invoice is numbered in the organisation's sequence (FACT/yyyy/nnnnn), carries its own
structured communication, books the receivable against the service's category revenue, and
is then sent, reminded, paid and credited by billing, documents and collection as any
invoice. Its lines are the file's current lines, without child nor activity: their label
says what they bill. The file becomes *invoiced* and links to its invoice.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from regie.billing.models import Invoice, InvoiceLine, Kind
from regie.billing.numbering import communications_next, invoice_numbers_next
from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents
from regie.fees.models import FileLine, FileState, ServiceFile
from regie.ledger.rules import invoice_entry
from regie.ledger.services import entries_post

NOT_TO_INVOICE = DomainError(
    "fees.not_to_invoice",
    gettext_noop("Only a file invoiced afterwards and not invoiced yet can be invoiced."),
)


def invoice_line_of(line: FileLine) -> tuple[str, int, int]:
    """Return a file line as an invoice line's label, whole quantity and unit price.

    An invoice line counts whole periods: a fractional quantity is put in the label and the
    line billed once at its amount.

    >>> from decimal import Decimal
    >>> invoice_line_of(FileLine(label="Conteneur", quantity=Decimal("2"), unit_cents=1500,
    ...                          amount_cents=3000))
    ('Conteneur', 2, 1500)
    >>> invoice_line_of(FileLine(label="Échafaudage", quantity=Decimal("2.5"), unit_cents=400,
    ...                          amount_cents=1000))
    ('Échafaudage (2,5 × 4,00 €)', 1, 1000)
    """
    quantity = line.quantity.normalize()
    if quantity == quantity.to_integral_value():
        return line.label, int(quantity), line.unit_cents
    shown = f"{quantity:f}".replace(".", ",")
    return f"{line.label} ({shown} × {format_cents(line.unit_cents)})"[:200], 1, line.amount_cents


@transaction.atomic
def file_invoice(*, file: ServiceFile, day: date | None = None) -> Invoice:
    """Issue the invoice of a file invoiced afterwards (its approval); return it."""
    file = ServiceFile.objects.select_for_update().select_related("service").get(pk=file.pk)
    if file.state != FileState.TO_INVOICE:
        raise NOT_TO_INVOICE
    day = day or timezone.localdate()
    (number,) = invoice_numbers_next("FACT", day.year, 1)
    (communication,) = communications_next("invoice", 1)
    lines = list(FileLine.objects.filter(version__file=file, version__number=file.version))
    invoice = Invoice.objects.create(
        kind=Kind.INVOICE,
        person_id=file.person_id,
        number=number,
        communication=communication,
        invoice_date=day,
        due_date=day + timedelta(days=file.service.days_to_pay),
        total_cents=sum(line.amount_cents for line in lines),
    )
    category_id = file.service.category_id
    rows = []
    for line in lines:
        label, quantity, unit = invoice_line_of(line)
        rows.append(
            InvoiceLine(
                organisation_id=file.organisation_id,
                invoice=invoice,
                date=file.date_from or day,
                category_id=category_id,
                label=label,
                minutes=0,
                quantity=quantity,
                unit_cents=unit,
                amount_cents=line.amount_cents,
            )
        )
    InvoiceLine.objects.bulk_create(rows)
    Invoice.objects.filter(pk=invoice.pk).update(posted_at=timezone.now())
    if invoice.total_cents:
        entries_post(
            [
                invoice_entry(
                    document=number,
                    day=day,
                    person_id=file.person_id,
                    amounts_by_category={category_id: invoice.total_cents},
                )
            ]
        )
    file.state = FileState.INVOICED
    file.invoice = invoice
    file.save(update_fields=["state", "invoice", "updated_at"])
    return Invoice.objects.get(pk=invoice.pk)
