"""Releasing an invoice that payments paid: above billing and payments, which both stand alone.

Billing credits an invoice nobody paid (:func:`regie.billing.corrections.invoice_credit`);
payments give an invoice's allocations back to the person's credit
(:func:`invoice_allocations_undo`). Releasing does both in one
transaction, the invoice locked first, and the screen's confirmation says beforehand what it
will do (:func:`release_preview`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from regie.billing.corrections import invoice_credit, invoice_locked, refuse_unless_open
from regie.billing.models import Invoice
from regie.ledger.services import entries_post
from regie.payments.models import Allocation
from regie.payments.services import allocation_drafts


@dataclass(frozen=True)
class ReleasePreview:
    """What releasing an invoice does, in cents: the credit note's amount, the part already
    paid that becomes the person's credit, and the part still due that the credit note
    cancels (the rest of the credit note cancels what was written off)."""

    credit_note_cents: int
    paid_cents: int
    open_cents: int


def release_preview(invoice: Invoice) -> ReleasePreview:
    """Return what releasing ``invoice`` (annotated by ``with_balance``) will do."""
    return ReleasePreview(
        credit_note_cents=invoice.total_cents - invoice.written_off_cents,
        paid_cents=invoice.paid_cents,
        open_cents=max(invoice.open_cents, 0),
    )


@transaction.atomic
def invoice_release(*, invoice: Invoice, day: date | None = None) -> Invoice:
    """Credit an invoice in full, paid or not; what was paid becomes the person's credit.

    Return the credit note. Its attendances become verified and unbilled again.
    """
    day = day or timezone.localdate()
    invoice = invoice_locked(invoice)
    refuse_unless_open(invoice)
    # What was paid goes back to the person's credit: later invoices can use it, or a refund.
    invoice_allocations_undo(invoice=invoice, day=day)
    return invoice_credit(invoice=invoice, day=day)


def invoice_allocations_undo(*, invoice: Invoice, day: date) -> int:
    """Give back to the person's credit what payments allocated to an invoice being credited.

    Runs inside the caller's transaction (the invoice is locked); returns the cents given back.
    """
    active = list(
        Allocation.objects.filter(invoice=invoice, cancelled=False)
        .select_related("payment")
        .order_by("pk")
    )
    if not active:
        return 0
    Allocation.objects.filter(pk__in=[a.pk for a in active]).update(
        cancelled=True, cancelled_on=day
    )
    entries_post(allocation_drafts(active, day, reverse=True))
    return sum(a.amount_cents for a in active)
