"""Rejected movements nobody owes: set aside with a reason, or refunded to the payer; undone.

A received movement that no invoice and no person explains waits on the suspense account
("movements to allocate"). A finance officer sets it aside (a transfer between the
organisation's own accounts, bank fees or charges, another reason with a note) or refunds it
to the account it came from (a refund without a person, paid by the next SEPA file). The
amount leaves the suspense account for the account of its reason, or for the bank. Undoing
posts the reversing entry and puts the movement back among the rejected ones, to be
allocated, set aside or refunded again; a refund can be undone until it is in a SEPA file.

Locks, in the order of :mod:`regie.payments.services`: the movement, then its refund, then
the ledger's chain (:func:`entries_post`, last).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from regie.core.errors import DomainError, gettext_noop
from regie.core.validators import clean_iban
from regie.ledger.rules import AccountRole, suspense_release_entry
from regie.ledger.services import entries_post
from regie.payments.imports import movement_day
from regie.payments.models import (
    BankMovement,
    MovementOutcome,
    MovementStatus,
    Outcome,
    Payment,
    Refund,
)

#: The account a movement's amount goes to, by outcome.
ACCOUNT_OF = {
    Outcome.INTERNAL_TRANSFER: AccountRole.INTERNAL_TRANSFER,
    Outcome.BANK_FEE: AccountRole.BANK_CHARGES,
    Outcome.OTHER: AccountRole.SET_ASIDE,
    Outcome.REFUND: AccountRole.BANK,
}
#: The reasons a movement is set aside for (a refund has its own action).
SET_ASIDE_REASONS = (Outcome.INTERNAL_TRANSFER, Outcome.BANK_FEE, Outcome.OTHER)


def movement_rejected(movement: BankMovement) -> BankMovement:
    """Lock a movement and return it, or refuse unless it is a rejected received one."""
    movement = (
        BankMovement.objects.select_for_update().select_related("statement").get(pk=movement.pk)
    )
    live = Payment.objects.filter(movement=movement, cancelled_at__isnull=True)
    if movement.status != MovementStatus.REJECTED or movement.amount_cents <= 0 or live.exists():
        raise DomainError(
            "movement.not_rejected",
            gettext_noop("Only a rejected received movement can be set aside or refunded."),
        )
    return movement


def entry_day(movement: BankMovement, day: date | None) -> date:
    """Return the day of the entry: ``day`` (today by default), never before the movement's."""
    return max(day or timezone.localdate(), movement_day(movement))


def document_of(outcome: MovementOutcome) -> str:
    """Return the ledger document of an outcome: its refund's, else the movement's."""
    if outcome.refund_id:
        return f"REFUND{outcome.refund_id}"
    return f"MVT{outcome.movement_id}/S{outcome.pk}"


def _record(movement, outcome: MovementOutcome, status: str) -> MovementOutcome:
    outcome.full_clean()
    outcome.save()
    entries_post(
        [
            suspense_release_entry(
                document=document_of(outcome),
                day=outcome.date,
                amount=movement.amount_cents,
                to=ACCOUNT_OF[outcome.outcome],
            )
        ]
    )
    movement.status = status
    movement.save(update_fields=["status"])
    return outcome


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def movement_set_aside(
    *, movement: BankMovement, reason: str, note: str = "", user=None, day: date | None = None
) -> MovementOutcome:
    """Set a rejected movement aside: its amount leaves the suspense account for the account
    of ``reason`` (own accounts' transfers, bank charges, or "set aside" with a ``note``)."""
    movement = movement_rejected(movement)
    note = note.strip()
    if reason not in SET_ASIDE_REASONS:
        raise DomainError(
            "movement.unknown_reason", gettext_noop("Choose why the movement is set aside.")
        )
    if reason == Outcome.OTHER and not note:
        raise DomainError(
            "movement.note_required",
            gettext_noop("Say in the note why the movement is set aside."),
        )
    outcome = MovementOutcome(
        movement=movement,
        outcome=reason,
        note=note,
        date=entry_day(movement, day),
        created_by=_user(user),
    )
    return _record(movement, outcome, MovementStatus.SET_ASIDE)


def payer_of(movement: BankMovement) -> tuple[str, str]:
    """Return the name and IBAN a movement came from, or refuse when the bank gave none."""
    name = movement.counterparty_name.strip()
    try:
        iban = clean_iban(movement.counterparty_account)
    except ValidationError:
        iban = ""
    if not iban or not name:
        raise DomainError(
            "movement.no_payer_account",
            gettext_noop(
                "The bank gave no valid IBAN and name of the payer of this movement: it "
                "cannot be refunded by a SEPA transfer."
            ),
        )
    return name[:200], iban


@transaction.atomic
def movement_refund(
    *, movement: BankMovement, user=None, day: date | None = None
) -> MovementOutcome:
    """Refund a rejected movement to its payer's account (the next SEPA file pays it):
    the amount leaves the suspense account and the bank."""
    movement = movement_rejected(movement)
    name, iban = payer_of(movement)
    day = entry_day(movement, day)
    refund = Refund(name=name, iban=iban, amount_cents=movement.amount_cents, date=day)
    refund.full_clean()
    refund.save()
    outcome = MovementOutcome(
        movement=movement, outcome=Outcome.REFUND, refund=refund, date=day, created_by=_user(user)
    )
    return _record(movement, outcome, MovementStatus.REFUNDED)


def live_outcome(movement: BankMovement) -> MovementOutcome | None:
    """Return what was done with a movement and not undone, if anything."""
    return (
        MovementOutcome.objects.filter(movement=movement, undone_on__isnull=True)
        .select_related("refund", "created_by")
        .first()
    )


def undo_refusal(refund: Refund | None) -> DomainError | None:
    """Return why an outcome with this refund cannot be undone: it is in a SEPA file."""
    if refund is None or not refund.batch:
        return None
    return DomainError(
        "movement.refund_sent",
        gettext_noop(
            "The refund is in the SEPA file %(batch)s already, which may be at the bank: it "
            "cannot be undone."
        ),
        batch=refund.batch,
    )


@transaction.atomic
def movement_outcome_undo(
    *, movement: BankMovement, user=None, day: date | None = None
) -> MovementOutcome:
    """Undo the set-aside, the refund or the payout match of a movement: the reversing entry
    puts it back on the suspense account, and the movement back among the rejected ones.

    A refund already in a SEPA file is refused: the file may be at the bank.
    """
    movement = BankMovement.objects.select_for_update().get(pk=movement.pk)
    outcome = (
        MovementOutcome.objects.select_for_update()
        .filter(movement=movement, undone_on__isnull=True)
        .first()
    )
    if outcome is None:
        raise DomainError(
            "movement.nothing_to_undo",
            gettext_noop("This movement is neither set aside nor refunded: nothing to undo."),
        )
    if outcome.refund_id:
        refund = Refund.objects.select_for_update().get(pk=outcome.refund_id)
        refusal = undo_refusal(refund)
        if refusal:
            raise refusal
        refund.cancelled_at = timezone.now()
        refund.save(update_fields=["cancelled_at"])
    outcome.undone_on = max(day or timezone.localdate(), outcome.date)
    outcome.undone_by = _user(user)
    outcome.save(update_fields=["undone_on", "undone_by"])
    if outcome.outcome == Outcome.PAYOUT:  # the payout waits for its movement again
        from regie.payments.payouts import payout_unmatch

        entries_post([payout_unmatch(outcome)])
    else:
        entries_post(
            [
                suspense_release_entry(
                    document=f"{document_of(outcome)}/X",
                    day=outcome.undone_on,
                    amount=movement.amount_cents,
                    to=ACCOUNT_OF[outcome.outcome],
                    reverse=True,
                )
            ]
        )
    movement.status = MovementStatus.REJECTED
    movement.save(update_fields=["status"])
    return outcome
