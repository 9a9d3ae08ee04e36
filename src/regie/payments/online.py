"""Online payments: money received through the payment provider (Mollie), recorded once.

The provider's webhook only names a payment; the caller (``regie.fees``' webhook) fetches it
and calls :func:`record_online_payment` with what the provider says. The payment is recorded
exactly once per provider id and organisation, however often and in whatever order the webhook
comes, and allocated as a bank payment with the same structured communication would be (an
invoice, a reminder, a payment-plan instalment, a service file: :mod:`regie.payments.routes`).
Its money is booked on the payment provider's clearing account, not the bank: the provider's
payout (:mod:`regie.payments.payouts`) brings it to the bank later.

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

from django.db import IntegrityError, transaction

from regie.billing.models import Invoice, Kind
from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import active_scope, scope
from regie.ledger.services import entries_together
from regie.payments import routes
from regie.payments.imports import Targets
from regie.payments.matching import Target
from regie.payments.models import Mode, OnlinePayment, Payment, PrepaymentReference
from regie.payments.services import payment_create, persons_lock
from regie.people.models import Person

UNKNOWN_COMMUNICATION = DomainError(
    "online.unknown_communication",
    gettext_noop(
        "Nothing matches the communication of this online payment: it cannot be recorded."
    ),
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
) -> Payment:
    """Record a paid online payment once; return its :class:`Payment` (the same every time).

    - ``provider_payment_id``: the provider's id (Mollie's ``tr_…``), unique per organisation:
      a second call (a replay, a concurrent webhook call) records nothing and returns the
      payment of the first, whatever its amount says.
    - ``amount_cents``: what was paid (int, > 0); ``communication``: the structured
      communication the payment was created for (12 digits, with or without ``+++`` and
      slashes); ``paid_on``: the day it was paid; ``method``: the provider's method
      (``bancontact``, ``creditcard``…), kept for the record.
    - ``organisation``: the organisation to record in (default: the current scope's).

    Allocated as a bank payment with that communication; booked on the clearing account.
    Raises :class:`DomainError` ``online.unknown_communication`` when nothing has that
    communication, ``payment.not_positive`` for an amount of 0 or less.
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
            )
    if int(amount_cents) <= 0:
        raise DomainError(
            "payment.not_positive", gettext_noop("A payment must be more than 0,00 €.")
        )
    reference = "".join(c for c in communication if c.isdigit())
    with transaction.atomic():
        known = (
            OnlinePayment.objects.filter(provider_id=provider_payment_id)
            .select_related("payment")
            .first()
        )
        if known is not None:
            return known.payment
        try:
            with transaction.atomic():  # a savepoint: a concurrent call inserted it first
                online = OnlinePayment.objects.create(
                    provider_id=provider_payment_id,
                    amount_cents=int(amount_cents),
                    communication=reference,
                    method=method[:30],
                    paid_on=paid_on,
                )
        except IntegrityError:
            # The other call committed (we waited for it on the unique index): its payment.
            return OnlinePayment.objects.get(provider_id=provider_payment_id).payment
        online.payment = _pay(online, comment)
        online.save(update_fields=["payment"])
        return online.payment


def _target_of(reference: str) -> Target:
    """Lock the person a communication designates, then what it designates; return the latter.

    An invoice or a prepayment reference names its person (one read for both); the person and
    their invoices are locked first, then the invoice read with what is open. A routed
    communication (a reminder, a plan, a service file) is locked and read by its route, which
    keeps what is open current: it is not read twice.
    """
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
    if target is None:
        raise UNKNOWN_COMMUNICATION
    return target


def _pay(online: OnlinePayment, comment: str) -> Payment:
    """Write the payment of ``online`` and allocate it by its communication.

    Its entries (the payment's, then what its route pays) are posted together, in one posting.
    """
    reference = online.communication
    if not reference:
        raise UNKNOWN_COMMUNICATION
    target = _target_of(reference)
    split: dict[int, int] = {}
    if target.kind == "invoice" and target.open_cents > 0:
        split = {target.id: min(online.amount_cents, target.open_cents)}
    with entries_together():
        payment = payment_create(
            person=Person.objects.get(pk=target.person_id),
            day=online.paid_on,
            amount_cents=online.amount_cents,
            mode=Mode.ONLINE,
            split=split,
            reconciled_on=None,
            comment=(comment or f"{online.method} {online.provider_id}".strip())[:300],
            via="clearing",
        )
        if target.kind not in ("invoice", "prepayment") and target.open_cents > 0:
            routes.payment_route(payment, target, online.paid_on)
    return payment
