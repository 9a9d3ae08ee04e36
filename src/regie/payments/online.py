"""Online payments: money received through the payment provider (Mollie), recorded once.

The provider's webhook only names a payment; the caller (``regie.fees``' webhook) fetches it
and calls :func:`record_online_payment` with what the provider says. The payment is recorded
exactly once per provider id and organisation, however often and in whatever order the webhook
comes, and allocated as a bank payment with the same structured communication would be (an
invoice, a reminder, a payment-plan instalment, a service file: :mod:`regie.payments.routes`).
Its money is booked on the payment provider's clearing account, not the bank: the provider's
payout (:mod:`regie.payments.payouts`) brings it to the bank later.

What nothing matches is not lost: it waits on the suspense account among the online payments
to allocate (:func:`to_allocate`), and a clerk gives it to a person by hand.

What was already paid (by a bank transfer with the same communication, at the counter) is not
paid twice: the online payment becomes the person's credit, to be used or refunded as any
over-payment. A bank transfer arriving after the online payment finds the item paid and is
rejected ("already paid", DOMAIN §6).

Locks, in the order of :mod:`regie.payments.services`: the online payment's row (its unique
constraint: a concurrent call of the same payment waits here, then returns the payment the
first one recorded), the person (and their invoices), the ledger's chain last.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction

from regie.billing.models import Invoice, Kind
from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import active_scope, current_organisation, scope
from regie.ledger.rules import suspense_entry, suspense_to_person_entry
from regie.ledger.services import entries_post, entries_together
from regie.payments import routes
from regie.payments.imports import Targets
from regie.payments.matching import Target
from regie.payments.models import Mode, OnlinePayment, Payment, PrepaymentReference
from regie.payments.services import payment_create, payment_write, persons_lock
from regie.people.models import Person

ALREADY_ALLOCATED = DomainError(
    "online.already_allocated", gettext_noop("This online payment is already allocated.")
)


def record_online_payment(
    *,
    provider_payment_id: str,
    amount_cents: int,
    communication: str,
    paid_on: date,
    method: str = "",
    organisation=None,
    comment: str = "",
    kind: str = "",
) -> Payment | None:
    """Record a paid online payment once; return its :class:`Payment` (the same every time),
    None when nothing matches its communication.

    - ``provider_payment_id``: the provider's id (Mollie's ``tr_…``), unique per organisation:
      a second call (a replay, a concurrent webhook call) records nothing and returns the
      payment of the first, whatever its amount says.
    - ``amount_cents``: what was paid (int, > 0); ``communication``: the structured
      communication the payment was created for (12 digits, with or without ``+++`` and
      slashes); ``paid_on``: the day it was paid; ``method``: the provider's method
      (``bancontact``, ``creditcard``…), kept for the record.
    - ``organisation``: the organisation to record in (default: the current scope's).
    - ``kind``: the kind of what the communication designates when the caller knows it (a
      routed kind, :mod:`regie.payments.routes`: ``service_file`` for a file's checkout): only
      that kind is looked up; when it finds nothing, every kind is, as without ``kind``.

    Allocated as a bank payment with that communication; booked on the clearing account.
    When nothing has that communication (mistyped, another organisation's, a document
    removed), the money is still received: booked from the clearing account to the suspense
    account, it waits among the online payments to allocate, where a clerk gives it to a
    person (:func:`online_payment_allocate`), as a rejected bank movement.
    Raises :class:`DomainError` ``payment.not_positive`` for an amount of 0 or less.
    """
    if organisation is not None and active_scope() != organisation:
        with scope(organisation):
            return record_online_payment(
                provider_payment_id=provider_payment_id,
                amount_cents=amount_cents,
                communication=communication,
                paid_on=paid_on,
                method=method,
                comment=comment,
                kind=kind,
            )
    if int(amount_cents) <= 0:
        raise DomainError(
            "payment.not_positive", gettext_noop("A payment must be more than 0,00 €.")
        )
    online = OnlinePayment(
        organisation=current_organisation(),
        provider_id=provider_payment_id,
        amount_cents=int(amount_cents),
        communication="".join(c for c in communication if c.isdigit()),
        method=method[:30],
        paid_on=paid_on,
    )
    # No savepoint: whatever raises in here leaves this function (and rolls the caller back).
    with transaction.atomic(savepoint=False):
        if not _insert_once(online):  # recorded before, or by a concurrent call that committed
            known = OnlinePayment.objects.select_related("payment").get(
                provider_id=provider_payment_id
            )
            return known.payment
        online.payment = _pay(online, comment, kind)
        if online.payment is not None:
            online.save(update_fields=["payment"])
        return online.payment


def _insert_once(online: OnlinePayment) -> bool:
    """Insert ``online`` unless its provider's id is recorded already; return whether it was.

    One statement, ``INSERT … ON CONFLICT DO NOTHING`` on the unique (organisation, provider
    id): a concurrent call inserting the same id waits for the other's transaction, then
    inserts nothing when it committed.
    """
    meta = OnlinePayment._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(online, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608 (names)
        f"ON CONFLICT ({quote('organisation_id')}, {quote('provider_id')}) DO NOTHING "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    online.pk, online._state.adding, online._state.db = row[0], False, connection.alias
    return True


def _target_of(reference: str, kind: str = "") -> Target | None:
    """Lock the person a communication designates, then what it designates; return the latter.

    An invoice or a prepayment reference names its person (one read for both); the person and
    their invoices are locked first, then the invoice read with what is open. A routed
    communication (a reminder, a plan, a service file) is locked and read by its route, which
    keeps what is open current: it is not read twice. A ``kind`` the caller knows is looked up
    alone first.
    """
    if not reference:
        return None
    if kind in routes.ROUTES:
        target = routes.targets_load([reference], kinds=(kind,)).get(reference)
        if target is not None:
            return target
    invoices = Invoice.objects.filter(
        communication=reference, kind=Kind.INVOICE, posted_at__isnull=False
    ).order_by()
    prepayments = PrepaymentReference.objects.filter(reference=reference).order_by()
    named = list(
        invoices.values_list("person_id", flat=True).union(
            prepayments.values_list("person_id", flat=True)
        )[:1]
    )
    if named:
        persons_lock(named)
        targets = Targets()
        targets.load([reference])
        target = targets[reference]
    else:  # its person is locked by the payment, right after (as a counter payment does)
        target = routes.targets_load([reference]).get(reference)
    return target


def _payer(target: Target) -> Person:
    """Return the person who pays ``target``, locked (with their invoices when the payment
    may pay any), before the payment is written. A route whose load locked the person with
    what it designates gives them as the target's ``payer`` (a service file's)."""
    if target.kind in ("invoice", "prepayment"):  # locked with their invoices by _target_of
        return Person.objects.get(pk=target.person_id)
    if routes.allocates_invoices(target.kind):
        persons_lock([target.person_id])
        return Person.objects.get(pk=target.person_id)
    payer = getattr(target, "payer", None)
    if payer is not None and payer.pk == target.person_id:
        return payer
    return Person.objects.select_for_update().get(pk=target.person_id)


def _pay(online: OnlinePayment, comment: str, kind: str = "") -> Payment | None:
    """Write the payment of ``online`` and allocate it by its communication; when nothing
    matches, book it on the suspense account (no payment: nobody is known to have paid).

    Its entries (the payment's, then what its route pays) are posted together, in one posting.
    """
    target = _target_of(online.communication, kind)
    if target is None:
        entries_post([_suspense_draft(online)])
        return None
    split: dict[int, int] = {}
    if target.kind == "invoice" and target.open_cents > 0:
        split = {target.id: min(online.amount_cents, target.open_cents)}
    with entries_together():
        # In record_online_payment's transaction: no savepoint of its own (it would only let a
        # caller go on after a failure, and any failure here rolls the recording back).
        payment = payment_write(
            person=_payer(target),
            day=online.paid_on,
            amount_cents=online.amount_cents,
            mode=Mode.ONLINE,
            split=split,
            reconciled_on=None,
            comment=(comment or f"{online.method} {online.provider_id}".strip())[:300],
            via="clearing",
            person_locked=True,
        )
        if target.kind not in ("invoice", "prepayment") and target.open_cents > 0:
            routes.payment_route(payment, target, online.paid_on)
    return payment


def _suspense_draft(online: OnlinePayment):
    return suspense_entry(
        document=f"ONL{online.pk}", day=online.paid_on, amount=online.amount_cents, via="clearing"
    )


def to_allocate():
    """Return the online payments nothing matched, still to allocate, oldest first."""
    return OnlinePayment.objects.filter(payment__isnull=True).order_by("paid_on", "pk")


@transaction.atomic
def online_payment_allocate(
    *, online: OnlinePayment, person: Person, split: dict[int, int] | None = None, user=None
) -> Payment:
    """Allocate by hand an online payment nothing matched: to a person, split over their open
    items (as a rejected bank movement, :func:`regie.payments.corrections.movement_correct`).

    The payment counts from the day it was paid online; its money leaves the suspense account
    for the person's credit, then pays what ``split`` says.
    """
    online = OnlinePayment.objects.select_for_update().get(pk=online.pk)
    if online.payment_id is not None:
        raise ALREADY_ALLOCATED
    persons_lock([person.pk])  # before the ledger's lock, as every payment does
    document = f"ONL{online.pk}"
    entries_post(
        [
            suspense_to_person_entry(
                document=f"{document}/P",
                day=online.paid_on,
                person_id=person.pk,
                amount=online.amount_cents,
            )
        ]
    )
    payment = payment_create(
        person=person,
        day=online.paid_on,
        amount_cents=online.amount_cents,
        mode=Mode.ONLINE,
        split=split,
        comment=f"{online.method} {online.provider_id}".strip()[:300],
        user=user,
        via_suspense=True,
    )
    online.payment = payment
    online.save(update_fields=["payment"])
    return payment
