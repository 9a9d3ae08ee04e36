"""Payments: manual payments, allocations, credits, cancellation, refunds (DOMAIN §6).

Every money movement writes balanced ledger entries through :func:`entries_post`. A payment
puts money on the person's credit (bank or cash against "credits of persons"); allocations move
it from that credit to the receivables of the invoices they pay.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from regie.billing.models import Invoice, InvoiceLine
from regie.billing.selectors import open_items
from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents, split_cents
from regie.core.sequences import sequence_next
from regie.ledger.rules import allocation_entry, payment_entry, refund_entry
from regie.ledger.services import entries_post
from regie.payments.allocation import OpenItem, Proposal, check_split, propose
from regie.payments.models import Allocation, Mode, Payment, Refund
from regie.people.models import Person


def person_credit(person_id: int) -> int:
    """Return the cents a person has paid and that no invoice or refund has used yet."""
    paid = (
        Payment.objects.filter(person_id=person_id, cancelled_at__isnull=True).aggregate(
            t=Sum("amount_cents")
        )["t"]
        or 0
    )
    used = (
        Allocation.objects.filter(payment__person_id=person_id, cancelled=False).aggregate(
            t=Sum("amount_cents")
        )["t"]
        or 0
    )
    refunded = Refund.objects.filter(person_id=person_id).aggregate(t=Sum("amount_cents"))["t"]
    return paid - used - (refunded or 0)


def items_of(person_id: int, category_ids: list[int] | None = None) -> list[OpenItem]:
    """Return a person's open items (optionally those with lines of some categories)."""
    invoices = open_items(person_id)
    if category_ids:
        having = set(
            InvoiceLine.objects.filter(
                invoice__in=[i.pk for i in invoices], category_id__in=category_ids
            ).values_list("invoice_id", flat=True)
        )
        invoices = [i for i in invoices if i.pk in having]
    return [OpenItem(i.pk, i.due_date, i.open_cents) for i in invoices]


def _category_split(invoice_id: int, amount: int) -> dict[int, int]:
    """Spread an allocation over an invoice's categories in proportion to their amounts."""
    rows = list(
        InvoiceLine.objects.filter(invoice_id=invoice_id)
        .values_list("category_id")
        .annotate(total=Sum("amount_cents"))
        .order_by("category_id")
    )
    if not rows:
        return {}
    shares = split_cents(amount, [max(total, 0) for _, total in rows])
    return {category: share for (category, _), share in zip(rows, shares, strict=True) if share}


def _allocate(payment: Payment, allocations: Mapping[int, int], day: date) -> None:
    """Record allocations of a payment and their ledger entries (inside a transaction)."""
    invoices = {i.pk: i for i in Invoice.objects.filter(pk__in=list(allocations))}
    drafts = []
    for invoice_id, cents in allocations.items():
        Allocation.objects.create(
            payment=payment, invoice_id=invoice_id, amount_cents=cents, date=day
        )
        drafts.append(
            allocation_entry(
                document=f"{invoices[invoice_id].number}/P{payment.pk}",
                day=day,
                person_id=payment.person_id,
                amounts_by_category=_category_split(invoice_id, cents),
            )
        )
    entries_post(drafts)


def _lock_person(person_id: int) -> None:
    # Serialises every payment of one person: allocations never exceed what is open.
    Person.objects.select_for_update().filter(pk=person_id).first()


@transaction.atomic
def payment_create(
    *,
    person: Person,
    day: date,
    amount_cents: int,
    mode: str,
    split: Mapping[int, int] | None = None,
    category_ids: list[int] | None = None,
    reconciled_on: date | None = None,
    comment: str = "",
    user=None,
    movement=None,
    via_suspense: bool = False,
) -> Payment:
    """Register a payment; allocate it as proposed (oldest due first) or as ``split``."""
    if amount_cents <= 0:
        raise DomainError(
            "payment.not_positive",
            gettext_noop("A payment must be more than 0,00 €."),
        )
    _lock_person(person.pk)
    items = items_of(person.pk, category_ids)
    proposal: Proposal = (
        check_split(amount_cents, items, split)
        if split is not None
        else propose(amount_cents, items)
    )
    receipt = ""
    if mode == Mode.CASH:
        receipt = f"REC/{day.year}/{sequence_next(f'receipt/{day.year}'):05d}"
    payment = Payment.objects.create(
        person=person,
        date=day,
        reconciled_on=reconciled_on,
        amount_cents=amount_cents,
        mode=mode,
        receipt_number=receipt,
        comment=comment,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        movement=movement,
    )
    if not via_suspense:
        entries_post(
            [
                payment_entry(
                    document=receipt or f"PAY{payment.pk}",
                    day=day,
                    person_id=person.pk,
                    amount=amount_cents,
                    via="cash" if mode == Mode.CASH else "bank",
                )
            ]
        )
    _allocate(payment, proposal.allocations, day)
    return payment


@transaction.atomic
def credit_allocate(*, person: Person, invoice: Invoice, amount_cents: int, day: date) -> None:
    """Use a person's existing credit to pay an open invoice (oldest payments first)."""
    _lock_person(person.pk)
    available = person_credit(person.pk)
    items = [i for i in items_of(person.pk) if i.id == invoice.pk]
    check_split(min(available, amount_cents), items, {invoice.pk: amount_cents})
    left = amount_cents
    for payment in Payment.objects.filter(person=person, cancelled_at__isnull=True).order_by(
        "date", "pk"
    ):
        used = payment.allocations.filter(cancelled=False).aggregate(t=Sum("amount_cents"))["t"]
        free = payment.amount_cents - (used or 0)
        take = min(free, left)
        if take > 0:
            _allocate(payment, {invoice.pk: take}, day)
            left -= take
        if not left:
            break


@transaction.atomic
def payment_cancel(*, payment: Payment, day: date | None = None) -> Payment:
    """Cancel a payment: its allocations are undone and the open amounts restored exactly."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.cancelled_at:
        raise DomainError(
            "payment.already_cancelled", gettext_noop("This payment is already cancelled.")
        )
    _lock_person(payment.person_id)
    day = day or timezone.localdate()
    credit_after = person_credit(payment.person_id) + sum(
        a.amount_cents for a in payment.allocations.filter(cancelled=False)
    )
    if credit_after < payment.amount_cents:
        raise DomainError(
            "payment.credit_refunded",
            gettext_noop(
                "Part of this payment was refunded (%(missing)s); it cannot be cancelled."
            ),
            missing=format_cents(payment.amount_cents - credit_after),
        )
    drafts = []
    for allocation in payment.allocations.filter(cancelled=False).select_related("invoice"):
        drafts.append(
            allocation_entry(
                document=f"{allocation.invoice.number}/P{payment.pk}/X",
                day=day,
                person_id=payment.person_id,
                amounts_by_category=_category_split(allocation.invoice_id, allocation.amount_cents),
                reverse=True,
            )
        )
    payment.allocations.update(cancelled=True)
    via = "cash" if payment.mode == Mode.CASH else "bank"
    drafts.append(
        payment_entry(
            document=f"{payment.receipt_number or f'PAY{payment.pk}'}/X",
            day=day,
            person_id=payment.person_id,
            amount=payment.amount_cents,
            via=via,
            reverse=True,
        )
    )
    entries_post(drafts)
    payment.cancelled_at = timezone.now()
    payment.save(update_fields=["cancelled_at"])
    return payment


@transaction.atomic
def refund_create(*, person: Person, amount_cents: int, day: date, iban: str = "") -> Refund:
    """Refund part or all of a person's credit by transfer (gathered later in a SEPA file)."""
    _lock_person(person.pk)
    iban = iban or person.iban
    available = person_credit(person.pk)
    if not 0 < amount_cents <= available:
        raise DomainError(
            "refund.amount",
            gettext_noop("A refund must be more than 0 and at most the credit, %(credit)s."),
            credit=format_cents(available),
        )
    if not iban:
        raise DomainError(
            "refund.no_iban",
            gettext_noop("%(person)s has no IBAN: add it to the person before refunding."),
            person=str(person),
        )
    refund = Refund.objects.create(person=person, amount_cents=amount_cents, iban=iban, date=day)
    entries_post(
        [
            refund_entry(
                document=f"REFUND{refund.pk}", day=day, person_id=person.pk, amount=amount_cents
            )
        ]
    )
    return refund
