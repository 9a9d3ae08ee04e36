"""Read queries of billing: invoices with their open amount and status, a person's account."""

from __future__ import annotations

from datetime import date

from django.db.models import (
    BigIntegerField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from regie.billing.models import Invoice, Kind, WriteOff


def _sum(queryset, field: str):
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values("organisation")
            .annotate(total=Sum(field))
            .values("total")[:1],
            output_field=BigIntegerField(),
        ),
        Value(0),
        output_field=BigIntegerField(),
    )


def with_balance(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate credited, written off and open cents (open = total − credits − write-offs)."""
    credits = Invoice.objects.filter(credit_of=OuterRef("pk"), posted_at__isnull=False)
    write_offs = WriteOff.objects.filter(invoice=OuterRef("pk"))
    return invoices.annotate(
        credited_cents=_sum(credits, "total_cents"),
        written_off_cents=_sum(write_offs, "amount_cents"),
    ).annotate(open_cents=F("total_cents") - F("credited_cents") - F("written_off_cents"))


class Status:
    DRAFT = "draft"
    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"
    CREDIT_NOTE = "credit_note"

    LABELS = {
        DRAFT: _("draft"),
        OPEN: _("open"),
        PARTLY_PAID: _("partly paid"),
        PAID: _("paid"),
        OVERDUE: _("overdue"),
        CREDITED: _("credited"),
        CREDIT_NOTE: _("credit note"),
    }


def status_of(invoice: Invoice, today: date | None = None) -> str:
    """Return the status of an invoice annotated by :func:`with_balance`."""
    today = today or date.today()
    if invoice.kind == Kind.CREDIT_NOTE:
        return Status.CREDIT_NOTE
    if not invoice.is_posted:
        return Status.DRAFT
    if invoice.credited_cents and invoice.credited_cents >= invoice.total_cents:
        return Status.CREDITED
    if invoice.open_cents <= 0:
        return Status.PAID
    if invoice.due_date < today:
        return Status.OVERDUE
    if invoice.open_cents < invoice.total_cents - invoice.credited_cents:
        return Status.PARTLY_PAID
    return Status.OPEN


def open_items(person_id: int) -> list[Invoice]:
    """Return a person's posted invoices with something still open, oldest due date first."""
    invoices = with_balance(
        Invoice.objects.filter(person_id=person_id, kind=Kind.INVOICE, posted_at__isnull=False)
    )
    return list(invoices.filter(open_cents__gt=0).order_by("due_date", "pk"))
