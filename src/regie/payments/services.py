"""Payments: manual payments, allocations, credits, cancellation (DOMAIN §6); refunds in
:mod:`regie.payments.refunds`, releasing a paid invoice in :mod:`regie.payments.releases`.

Every money movement writes balanced ledger entries through :func:`entries_post`. A payment
puts money on the person's credit (bank or cash against "credits of persons"); allocations move
it from that credit to the receivables of the invoices they pay.

Locks, always taken in this order so that two writers never wait for each other in a circle:
the payment or bank movement being changed, then the person (:func:`persons_lock`, which also
locks their posted invoices against a concurrent write-off), then the ledger's chain (taken by
:func:`entries_post`, last).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from regie.billing.models import Invoice, InvoiceLine, Kind
from regie.billing.selectors import open_items
from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents, split_cents
from regie.core.sequences import sequence_next
from regie.core.tenancy import current_organisation
from regie.ledger.rules import (
    EntryDraft,
    LineDraft,
    allocation_entry,
    payment_entry,
    suspense_to_person_entry,
)
from regie.ledger.services import entries_post
from regie.payments import routes
from regie.payments.allocation import OpenItem, Proposal, check_split, propose
from regie.payments.models import (
    Allocation,
    BankMovement,
    Mode,
    MovementStatus,
    OnlinePayment,
    OnlineRefund,
    Payment,
    Refund,
)
from regie.people.models import Person

#: Ids per ``IN (...)`` list: well under SQLite's and PostgreSQL's limits on parameters.
CHUNK = 2000


def chunked(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    """Yield ``values`` in lists of at most ``size``."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
    online = OnlineRefund.objects.filter(person_id=person_id).aggregate(t=Sum("amount_cents"))
    refunded = (refunded or 0) + (online["t"] or 0)
    return paid - used - refunded - routes.credit_used(person_id)


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
    return [OpenItem(i.pk, i.due_date, i.open_cents, i.number) for i in invoices]


def persons_lock(person_ids) -> None:
    """Lock persons and their posted invoices until the transaction ends.

    Every payment of a person waits for the others, so allocations never exceed what is open;
    a write-off (which locks its invoice) waits too. ``person_ids`` may be a subquery.
    """
    locked = Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk")
    ids = list(locked.values_list("pk", flat=True))
    for chunk in chunked(ids):
        invoices = Invoice.objects.select_for_update().filter(
            person_id__in=chunk, kind=Kind.INVOICE, posted_at__isnull=False
        )
        list(invoices.order_by("pk").values_list("pk", flat=True))


def _lock_person(person_id: int) -> None:
    persons_lock([person_id])


def _category_totals(invoice_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    """Return each invoice's (category, amount) totals, by category."""
    totals: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for chunk in chunked(set(invoice_ids)):
        rows = (
            InvoiceLine.objects.filter(invoice_id__in=chunk)
            .values_list("invoice_id", "category_id")
            .annotate(total=Sum("amount_cents"))
            .order_by("invoice_id", "category_id")
        )
        for invoice_id, category_id, total in rows:
            totals[invoice_id].append((category_id, total))
    return totals


def _category_split(totals: Sequence[tuple[int, int]], amount: int) -> dict[int, int]:
    """Spread an allocation over an invoice's categories in proportion to their amounts."""
    if not totals:
        return {}
    shares = split_cents(amount, [max(total, 0) for _, total in totals])
    return {category: share for (category, _), share in zip(totals, shares, strict=True) if share}


def allocation_drafts(
    allocations: Sequence[Allocation], day: date | None = None, *, reverse: bool = False
) -> list[EntryDraft]:
    """Return the ledger entries of allocations (or of their reversal), in their order.

    An allocation's ``payment`` must be loaded: its person is the one whose credit pays.
    """
    invoice_ids = {a.invoice_id for a in allocations}
    totals = _category_totals(invoice_ids)
    numbers = {}
    for chunk in chunked(invoice_ids):
        numbers.update(Invoice.objects.filter(pk__in=chunk).values_list("pk", "number"))
    suffix = "/X" if reverse else ""
    return [
        allocation_entry(
            document=f"{numbers[a.invoice_id]}/P{a.payment.pk}{suffix}",
            day=day or a.date,
            person_id=a.payment.person_id,
            amounts_by_category=_category_split(totals[a.invoice_id], a.amount_cents),
            reverse=reverse,
        )
        for a in allocations
    ]


def entry_net(drafts: Sequence[EntryDraft]) -> EntryDraft:
    """Return one entry adding ``drafts`` up (journal, day and document of the first one).

    Each account's (and person's) debits and credits are netted, so money that only passes
    through the person's credit (received, then allocated at once) leaves no line there.
    """
    net: dict[tuple, int] = defaultdict(int)
    for draft in drafts:
        for line in draft.lines:
            net[(line.role, line.category_id, line.person_id)] += line.debit - line.credit
    lines = tuple(
        LineDraft(role, max(cents, 0), max(-cents, 0), category_id, person_id)
        for (role, category_id, person_id), cents in net.items()
        if cents
    )
    first = drafts[0]
    return EntryDraft(first.journal, first.day, first.label, first.document, lines)


def money_via(payment: Payment) -> str:
    """Return where a payment's money is: "cash", "clearing" (an online payment recorded from
    the payment provider, :mod:`regie.payments.online`, until its payout) or "bank"."""
    if payment.mode == Mode.CASH:
        return "cash"
    if payment.mode == Mode.ONLINE and OnlinePayment.objects.filter(payment=payment).exists():
        return "clearing"
    return "bank"


def payment_draft(
    payment: Payment,
    allocated: Sequence[EntryDraft] = (),
    day: date | None = None,
    *,
    reverse: bool = False,
    via: str | None = None,
) -> EntryDraft:
    """Return the one entry of a payment and of its ``allocated`` entries (or of their
    reversal): the bank, the cash or the payment provider's clearing account (``via``, by
    default :func:`money_via`) receives; the receivables of the invoices paid, and the
    person's credit for the rest, are credited."""
    document = payment.receipt_number or f"PAY{payment.pk}"
    received = payment_entry(
        document=f"{document}/X" if reverse else document,
        day=day or payment.date,
        person_id=payment.person_id,
        amount=payment.amount_cents,
        via=via or ("bank" if payment.movement_id else money_via(payment)),
        reverse=reverse,
    )
    return entry_net([received, *allocated])


def allocations_build(payment: Payment, allocations: Mapping[int, int], day: date):
    """Return unsaved allocations of ``payment`` (invoice id → cents), for ``bulk_create``."""
    return [
        Allocation(
            organisation=current_organisation(),
            payment=payment,
            invoice_id=invoice_id,
            amount_cents=cents,
            date=day,
        )
        for invoice_id, cents in allocations.items()
    ]


@transaction.atomic
def payment_create(**kwargs) -> Payment:
    """Register a payment in a transaction (a savepoint inside the caller's): what
    :func:`payment_write` does, whose parameters it takes."""
    return payment_write(**kwargs)


def payment_write(
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
    via: str | None = None,
    person_locked: bool = False,
) -> Payment:
    """Register a payment; allocate it as proposed (oldest due first) or as ``split``.

    Inside the caller's transaction, without a savepoint of its own (two round trips saved):
    whatever raises here rolls the caller's whole transaction back. Callers that catch an error
    and go on (a form, an import) call :func:`payment_create` instead.

    ``via``: where the money is (:func:`money_via`), "clearing" for an online payment.
    ``person_locked``: the caller locked the person already (with their invoices when the
    payment may pay any: :func:`persons_lock`) in this transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payment_write() must run inside a transaction")
    if amount_cents <= 0:
        raise DomainError(
            "payment.not_positive",
            gettext_noop("A payment must be more than 0,00 €."),
        )
    if not person_locked:
        _lock_person(person.pk)
    # An empty split allocates nothing (a payment routed elsewhere: a service file, a reminder's
    # fee): the person's open invoices need not be read.
    items = items_of(person.pk, category_ids) if split is None or split else []
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
    created = Allocation.objects.bulk_create(allocations_build(payment, proposal.allocations, day))
    allocated = allocation_drafts(created)
    # Through the suspense account the money already is the person's credit: only allocate.
    entries_post(allocated if via_suspense else [payment_draft(payment, allocated, via=via)])
    return payment


@transaction.atomic
def credit_allocate(*, person: Person, invoice: Invoice, amount_cents: int, day: date) -> None:
    """Use a person's existing credit to pay an open invoice (oldest payments first)."""
    _lock_person(person.pk)
    available = person_credit(person.pk)
    items = [i for i in items_of(person.pk) if i.id == invoice.pk]
    check_split(min(available, amount_cents), items, {invoice.pk: amount_cents})
    used = Coalesce(Sum("allocations__amount_cents", filter=Q(allocations__cancelled=False)), 0)
    payments = (
        Payment.objects.filter(person=person, cancelled_at__isnull=True)
        .annotate(used_cents=used)
        .order_by("date", "pk")
    )
    left, allocations = amount_cents, []
    for payment in payments:
        if not left:
            break
        take = min(payment.amount_cents - payment.used_cents, left)
        if take > 0:
            allocations += allocations_build(payment, {invoice.pk: take}, day)
            left -= take
    entries_post(allocation_drafts(Allocation.objects.bulk_create(allocations)))


#: Why a movement is rejected again: the payment made from it was cancelled.
MOVEMENT_CANCELLED = DomainError(
    "payment.cancelled",
    gettext_noop("The payment made from this movement was cancelled; allocate it by hand."),
)


def cancel_draft(payment: Payment, undone: Sequence[EntryDraft], day: date) -> EntryDraft:
    """Return the one entry cancelling a payment, with its ``undone`` allocations.

    Money typed by hand (cash, card, cheque…) did not arrive: the bank or the cash gives it
    back. Money of a bank movement is on the statement: it stays in the bank and goes from the
    person's credit back to the suspense account, to be allocated again.
    """
    if payment.movement_id is None:
        return payment_draft(payment, undone, day, reverse=True)
    back = suspense_to_person_entry(
        document=f"PAY{payment.pk}/X",
        day=day,
        person_id=payment.person_id,
        amount=payment.amount_cents,
        reverse=True,
    )
    return entry_net([back, *undone])


@transaction.atomic
def payment_cancel(*, payment: Payment, day: date | None = None) -> Payment:
    """Cancel a payment: its allocations are undone and the open amounts restored exactly.

    A payment made from a bank movement leaves the bank untouched: the amount goes back to the
    suspense account and the movement back among the rejected ones, to be allocated again.
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.cancelled_at:
        raise DomainError(
            "payment.already_cancelled", gettext_noop("This payment is already cancelled.")
        )
    movement = None
    if payment.movement_id is not None:
        movement = BankMovement.objects.select_for_update().get(pk=payment.movement_id)
    _lock_person(payment.person_id)
    day = day or timezone.localdate()
    unrouted = routes.payment_unroute(payment, day)  # fees it paid (regie.dunning)
    active = list(payment.allocations.filter(cancelled=False).order_by("pk"))
    credit_after = person_credit(payment.person_id) + sum(a.amount_cents for a in active)
    if credit_after < payment.amount_cents:
        raise DomainError(
            "payment.credit_refunded",
            gettext_noop(
                "Part of this payment was refunded (%(missing)s); it cannot be cancelled."
            ),
            missing=format_cents(payment.amount_cents - credit_after),
        )
    payment.allocations.filter(cancelled=False).update(cancelled=True, cancelled_on=day)
    undone = [*allocation_drafts(active, day, reverse=True), *unrouted]
    entries_post([cancel_draft(payment, undone, day)])
    payment.cancelled_at = timezone.now()
    payment.save(update_fields=["cancelled_at"])
    if movement is not None:
        movement.status = MovementStatus.REJECTED
        movement.reject_code = MOVEMENT_CANCELLED.code
        movement.reject_reason = MOVEMENT_CANCELLED.english()[:300]
        movement.save(update_fields=["status", "reject_code", "reject_reason"])
    return payment
