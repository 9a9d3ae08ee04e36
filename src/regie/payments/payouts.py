"""Payouts of the payment provider: they bring online payments from the clearing account to
the bank (DOMAIN §8).

The provider (Mollie) pays the online payments out in payouts ("settlements"): the payments
it covers, less the refunds taken from them and its fees. A payout is known twice:

- from the provider (:func:`payout_record`, fed by :data:`SOURCES`, the fees app's Mollie
  wrapper, or by tests): its id, its bank reference, the amount paid out, its fees and the
  provider's ids of the payments it covers;
- on a bank statement: a received movement with no structured communication, rejected at
  import and booked on the suspense account.

:func:`payout_proposals` pairs them when the amounts agree and the movement's communication
carries the payout's reference; the finance officer confirms (:func:`payout_confirm`): the
movement leaves the suspense account, the provider's fees are an expense, and the clearing
account is emptied of what the payout covers (amount + fees). Undone like a set-aside
(:func:`regie.payments.outcomes.movement_outcome_undo`). What is on the clearing account and
no confirmed payout covers yet is "in transit" (:func:`in_transit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents
from regie.ledger.rules import payout_entry
from regie.ledger.services import entries_post
from regie.payments.models import (
    BankMovement,
    MovementOutcome,
    MovementStatus,
    OnlinePayment,
    OnlineRefund,
    Outcome,
    Payment,
    Payout,
)


@dataclass(frozen=True)
class PayoutData:
    """A payout as the provider describes it (amounts in cents)."""

    provider_id: str
    reference: str
    amount_cents: int
    fees_cents: int
    settled_on: date | None = None
    payment_ids: tuple[str, ...] = ()


#: Where payouts come from: callables returning the provider's latest payouts for the
#: current organisation (registered by the fees app: Mollie's settlements); none: not offered.
SOURCES: list[Callable[[], Iterable[PayoutData]]] = []

ALREADY_MATCHED = DomainError(
    "payout.already_matched",
    gettext_noop("This payout is already matched with a bank movement."),
)


@transaction.atomic
def payout_record(data: PayoutData) -> Payout:
    """Record a payout once per provider id (a second call changes nothing) and tie the
    online payments it covers (and their refunds not tied to another payout) to it."""
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                provider_id=data.provider_id,
                reference=data.reference[:64],
                amount_cents=data.amount_cents,
                fees_cents=max(data.fees_cents, 0),
                settled_on=data.settled_on,
            )
    except IntegrityError:
        return Payout.objects.get(provider_id=data.provider_id)
    if data.payment_ids:
        covered = OnlinePayment.objects.filter(
            provider_id__in=list(data.payment_ids), payout__isnull=True
        )
        ids = list(covered.values_list("pk", flat=True))
        OnlinePayment.objects.filter(pk__in=ids).update(payout=payout)
        OnlineRefund.objects.filter(online_payment__in=ids, payout__isnull=True).update(
            payout=payout
        )
    return payout


def payouts_fetch() -> list[Payout]:
    """Ask the provider for its latest payouts and record those not known yet."""
    return [payout_record(data) for source in SOURCES for data in source()]


def _normalised(text: str) -> str:
    return "".join(text.split()).lower()


def proposal_of(payout: Payout, movements: Sequence[BankMovement]) -> BankMovement | None:
    """Return the first movement with the payout's amount whose communication carries its
    reference (pure: ``movements`` are the rejected received ones)."""
    reference = _normalised(payout.reference)
    for movement in movements:
        words = _normalised(f"{movement.communication} {movement.reference}")
        if movement.amount_cents == payout.amount_cents and reference and reference in words:
            return movement
    return None


def _candidates() -> list[BankMovement]:
    live = Payment.objects.filter(cancelled_at__isnull=True, movement__isnull=False)
    live = live.values("movement_id")
    return list(
        BankMovement.objects.filter(status=MovementStatus.REJECTED, amount_cents__gt=0)
        .exclude(pk__in=live)
        .select_related("statement")
        .order_by("entry_date", "pk")
    )


def payout_proposals() -> list[tuple[Payout, BankMovement | None]]:
    """Return the payouts not matched yet, each with the movement proposed for it (or None).

    A movement is proposed for one payout at most.
    """
    movements = _candidates()
    proposals = []
    for payout in Payout.objects.filter(outcome__isnull=True).order_by("settled_on", "pk"):
        movement = proposal_of(payout, movements)
        if movement is not None:
            movements.remove(movement)
        proposals.append((payout, movement))
    return proposals


@transaction.atomic
def payout_confirm(
    *, payout: Payout, movement: BankMovement, user=None, day: date | None = None
) -> MovementOutcome:
    """Match a payout with the bank movement that brought it: the movement leaves the suspense
    account, the fees are an expense, the clearing account is emptied of what it covers."""
    from regie.payments.outcomes import entry_day, movement_rejected

    movement = movement_rejected(movement)
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    if payout.outcome_id is not None:
        raise ALREADY_MATCHED
    if movement.amount_cents != payout.amount_cents:
        raise DomainError(
            "payout.amount_differs",
            gettext_noop("The movement's amount (%(movement)s) is not the payout's (%(payout)s)."),
            movement=format_cents(movement.amount_cents),
            payout=format_cents(payout.amount_cents),
        )
    outcome = MovementOutcome.objects.create(
        movement=movement,
        outcome=Outcome.PAYOUT,
        note=payout.reference,
        date=entry_day(movement, day),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    entries_post([payout_draft(payout, outcome)])
    movement.status = MovementStatus.PAYOUT
    movement.save(update_fields=["status"])
    payout.outcome = outcome
    payout.confirmed_at = timezone.now()
    payout.confirmed_by = outcome.created_by
    payout.save(update_fields=["outcome", "confirmed_at", "confirmed_by"])
    return outcome


def payout_draft(payout: Payout, outcome: MovementOutcome, *, reverse: bool = False):
    """Return the entry of a payout matched by ``outcome`` (or of its undoing)."""
    document = f"MVT{outcome.movement_id}/S{outcome.pk}{'/X' if reverse else ''}"
    return payout_entry(
        document=document,
        day=outcome.undone_on if reverse else outcome.date,
        amount=payout.amount_cents,
        fees=payout.fees_cents,
        reverse=reverse,
    )


def payout_unmatch(outcome: MovementOutcome):
    """Undo a payout's match (inside :func:`movement_outcome_undo`): return its entry."""
    payout = Payout.objects.select_for_update().get(outcome=outcome)
    payout.outcome = None
    payout.confirmed_at = None
    payout.confirmed_by = None
    payout.save(update_fields=["outcome", "confirmed_at", "confirmed_by"])
    return payout_draft(payout, outcome, reverse=True)


# -- In transit ------------------------------------------------------------------------------


def _total(queryset) -> int:
    return queryset.aggregate(t=Sum("amount_cents"))["t"] or 0


def _paid_out_by(until: date):
    """Payouts matched at the end of ``until`` (their match not undone by then)."""
    matched = MovementOutcome.objects.filter(outcome=Outcome.PAYOUT, date__lte=until).filter(
        Q(undone_on__isnull=True) | Q(undone_on__gt=until)
    )
    return Payout.objects.filter(outcome__in=matched)


def clearing_at(until: date) -> int:
    """Return what the provider holds for us at the end of ``until``, from the documents:
    online payments (not cancelled then, allocated to nobody yet included) − refunds through it
    − payouts matched then."""
    payments = Payment.objects.filter(online__isnull=False, date__lte=until).exclude(
        cancelled_at__date__lte=until
    )
    unmatched = OnlinePayment.objects.filter(payment__isnull=True, paid_on__lte=until)
    refunds = OnlineRefund.objects.filter(date__lte=until)
    paid_out = _paid_out_by(until).aggregate(t=Sum("amount_cents"), f=Sum("fees_cents"))
    received = _total(payments) + _total(unmatched)
    return received - _total(refunds) - (paid_out["t"] or 0) - (paid_out["f"] or 0)


def in_transit(until: date | None = None) -> list[OnlinePayment]:
    """Return the online payments (not cancelled) that no matched payout covers yet."""
    until = until or timezone.localdate()
    paid_out = _paid_out_by(until).values("pk")
    return list(
        OnlinePayment.objects.filter(paid_on__lte=until, payment__cancelled_at__isnull=True)
        .exclude(payout__in=paid_out)
        .select_related("payment__person", "payout")
        .order_by("paid_on", "pk")
    )
